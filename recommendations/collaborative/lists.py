"""Many customers' ranked lists in two flat numpy arrays, as the held-out evaluation keeps them.

Seven recommenders predict twelve articles for each of 20,000 held-out customers; as Python lists
in dicts, building and scoring them took longer than ranking them. Flat arrays are scored by
`metrics.average_precisions` at once, and `ListsByCustomer` makes a customer's Python list only
when something asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from recommendations.collaborative.interactions import rank_within


@dataclass(frozen=True)
class Lists:
    """One list of items for each of `customers` customers: `items[i]` belongs to customer
    `owners[i]` (0..customers-1, non-decreasing), each customer's items in list order."""

    owners: np.ndarray  # int64
    items: np.ndarray  # int64
    customers: int

    @classmethod
    def of(cls, lists: Sequence[Iterable[int]]) -> Lists:
        """From one iterable per customer, customer i's at index i."""
        flat = [list(items) for items in lists]
        lengths = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
        items = np.fromiter(chain.from_iterable(flat), dtype=np.int64, count=int(lengths.sum()))
        return cls(np.repeat(np.arange(len(flat), dtype=np.int64), lengths), items, len(flat))

    @classmethod
    def same_for(cls, owners: np.ndarray, items: np.ndarray, customers: int) -> Lists:
        """The list `items` for each customer in `owners` (sorted), none for the others."""
        return cls(np.repeat(owners, len(items)), np.tile(items, len(owners)), customers)

    def bounds(self) -> np.ndarray:
        """Customer i's items are items[bounds[i]:bounds[i + 1]]."""
        return np.searchsorted(self.owners, np.arange(self.customers + 1))

    def first(self, k: int) -> Lists:
        """Each list's first k items."""
        kept = rank_within(self.owners) < k
        return Lists(self.owners[kept], self.items[kept], self.customers)

    def then(self, other: Lists) -> Lists:
        """Each customer's list here, followed by theirs in `other`."""
        owners = np.concatenate([self.owners, other.owners])
        order = np.argsort(owners, kind="stable")
        return Lists(owners[order], np.concatenate([self.items, other.items])[order], self.customers)

    def topped_up(self, filler: np.ndarray, k: int) -> Lists:
        """Each customer's list, then `filler`'s items not in it, k in all."""
        entries, slots = np.nonzero(self.items[:, None] == filler[None, :])
        taken = np.zeros((self.customers, len(filler)), dtype=bool)
        taken[self.owners[entries], slots] = True
        owners, slots = np.nonzero(~taken)  # by customer, each in filler's order
        return self.then(Lists(owners, filler[slots], self.customers)).first(k)


class ListsByCustomer(Mapping[int, list[int]]):
    """`lists` by customer id (`customers[i]` owns list i), each made a Python list when read."""

    def __init__(self, customers: np.ndarray, lists: Lists) -> None:
        self._customers = customers  # sorted
        self._items = lists.items
        self._bounds = lists.bounds()

    def __getitem__(self, customer: object) -> list[int]:
        # Customer ids are integers: any other key (None, a string, a tuple) is missing, as from
        # a dict, where searchsorted would raise TypeError out of `in` and `get`.
        if not isinstance(customer, int | np.integer):
            raise KeyError(customer)
        index = int(np.searchsorted(self._customers, customer))
        if index == len(self._customers) or self._customers[index] != customer:
            raise KeyError(customer)
        return self._items[self._bounds[index] : self._bounds[index + 1]].tolist()

    def __iter__(self) -> Iterator[int]:
        return iter(self._customers.tolist())

    def __len__(self) -> int:
        return len(self._customers)


def concatenated_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """range(starts[i], starts[i] + lengths[i]) for each i, one after another, as one int64 array:
    the flat indexes of many slices of one array, without a Python loop over the slices."""
    lengths = np.asarray(lengths, dtype=np.int64)
    # Each range's first index, less the position of its first entry in the result.
    offsets = np.asarray(starts, dtype=np.int64) - (np.cumsum(lengths) - lengths)
    return np.repeat(offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
