"""Trending now: the week's best sellers in the data, overall or within one index group.

A direct query until the trending model (the operations issue) replaces this body; the signature
is the contract the home page and the cold-start fallbacks rely on.
"""

from __future__ import annotations

from catalog.selectors import best_selling_articles
from recommendations.types import Recommendation


def trending_articles(index_group: str | None = None, limit: int = 12) -> list[Recommendation]:
    """Best sellers of the last 7 days of the data; `index_group` is an index group name."""
    reason = f"Popular in {index_group} this week" if index_group else "Popular this week"
    return [
        Recommendation(article=article, reason=reason, score=float(sold))
        for article, sold in best_selling_articles(index_group_name=index_group, limit=limit)
    ]
