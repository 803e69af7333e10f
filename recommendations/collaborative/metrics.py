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

from recommendations.collaborative.interactions import IdMap, rank_within

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
    articles = IdMap.of(truth_items)
    codes = articles.positions(items).astype(np.int64)
    keys = np.where(codes >= 0, owners * len(articles) + codes, -1)
    truth_keys = IdMap.of(truth_owners * len(articles) + articles.positions(truth_items))
    relevant = truth_keys.positions(keys) >= 0
    # A repeated prediction counts once: only each key's first place (lists are in rank order).
    first = np.zeros(keys.size, dtype=bool)
    first[np.unique(keys, return_index=True)[1]] = True
    relevant &= first
    rank = rank_within(owners) + 1
    hits = np.cumsum(relevant, dtype=np.int64)
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
