"""The value every recommender hands to pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Article


@dataclass(frozen=True)
class Recommendation:
    article: Article
    # A sentence a shopper can read: "Because you bought …", "Popular in Ladieswear this week".
    reason: str
    score: float
