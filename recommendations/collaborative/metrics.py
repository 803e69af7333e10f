"""MAP@12, the Kaggle "H&M Personalized Fashion Recommendations" metric.

AP@k(u) = Σₖ P(k)·rel(k) / min(|actual(u)|, k), where P(k) is the precision of the first k
predictions and rel(k) is 1 when the k-th prediction was bought in the held-out week. A repeated
prediction counts once (its later copies are not relevant again). MAP@k averages over the
customers who bought something in the held-out week, including those the model knows nothing of.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

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
    """Mean over every customer in `actual`; a customer missing from `predicted` scores 0."""
    if not actual:
        return 0.0
    return sum(
        average_precision(items, predicted.get(customer, ()), k) for customer, items in actual.items()
    ) / len(actual)
