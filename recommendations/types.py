"""The value every recommender hands to pages and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.models import Article


@dataclass(frozen=True)
class Recommendation:
    article: Article
    # A sentence a shopper can read: "Because you bought …", "Popular in Ladieswear this week".
    reason: str
    score: float


def at_most_per_product(items: Iterable[Recommendation], per_product: int, k: int) -> list[Recommendation]:
    """The first k items, skipping any beyond `per_product` of one product (colour variants)."""
    kept: list[Recommendation] = []
    per_code: dict[int, int] = {}
    for item in items:
        code = item.article.product_code
        if per_code.get(code, 0) >= per_product:
            continue
        per_code[code] = per_code.get(code, 0) + 1
        kept.append(item)
        if len(kept) >= k:
            break
    return kept
