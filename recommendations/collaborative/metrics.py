"""MAP@12, the Kaggle "H&M Personalized Fashion Recommendations" metric.

AP@k(u) = Σₖ P(k)·rel(k) / min(|actual(u)|, k), where P(k) is the precision of the first k
predictions and rel(k) is 1 when the k-th prediction was bought in the held-out week. A repeated
prediction counts once (its later copies are not relevant again). MAP@k averages over the
customers who bought something in the held-out week, including those the model knows nothing of.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain

import numpy as np

from recommendations.collaborative.interactions import rank_within

K = 12


def average_precision(actual: Iterable[int], predicted: Sequence[int], k: int = K) -> float:
    relevant = set(actual)
    if not relevant:
        return 0.0
    hits = 0
    total = 0.0
    seen: set[int] = set()
    for rank, item in enumerate(predicted[:k], start=1):
        if item in relevant and item not in seen:
            hits += 1
            total += hits / rank
        seen.add(item)
    return total / min(len(relevant), k)


def mean_average_precision(
    actual: Mapping[int, Iterable[int]], predicted: Mapping[int, Sequence[int]], k: int = K
) -> float:
    """Mean over every customer in `actual`; a customer missing from `predicted` scores 0.

    `average_precision` for every customer at once over flat numpy arrays: the held-out week
    scores five recommenders for 20,000 customers, 0.7 s one customer at a time.
    """
    if not actual:
        return 0.0
    customers = list(actual)
    truth_owners, truth_items = _flatten([set(actual[customer]) for customer in customers])
    owners, items = _flatten([predicted.get(customer, ())[:k] for customer in customers])
    # Only predictions of an article someone bought can score: code those articles, then key
    # every (customer, article) pair.
    articles = np.unique(truth_items)
    codes = np.minimum(np.searchsorted(articles, items), max(articles.size - 1, 0))
    known = articles[codes] == items if articles.size else np.zeros(items.size, dtype=bool)
    keys = np.where(known, owners * articles.size + codes, -1)
    truth_keys = np.sort(truth_owners * articles.size + np.searchsorted(articles, truth_items))
    at = np.minimum(np.searchsorted(truth_keys, keys), max(truth_keys.size - 1, 0))
    relevant = known & (truth_keys[at] == keys)
    # A repeated prediction counts once: only each key's first place (lists are in rank order).
    first = np.zeros(keys.size, dtype=bool)
    first[np.unique(keys, return_index=True)[1]] = True
    relevant &= first
    rank = rank_within(owners) + 1
    hits = np.cumsum(relevant)
    hits -= (hits - relevant)[np.arange(keys.size) - rank + 1]  # hits within the customer's own list
    precision_sums = np.bincount(
        owners, weights=np.where(relevant, hits / rank, 0.0), minlength=len(customers)
    )
    sizes = np.minimum(np.bincount(truth_owners, minlength=len(customers)), k)
    return float(np.sum(precision_sums / np.maximum(sizes, 1)) / len(customers))


def _flatten(lists: list[set[int]] | list[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(owner, item): every item of every list, owners numbered 0..len(lists)-1, in order."""
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    items = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
    return np.repeat(np.arange(len(lists), dtype=np.int64), lengths), items
