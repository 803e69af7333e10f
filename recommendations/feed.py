"""Personal recommendations for pages: "For you", "Customers also bought", "Customers like you".

Minimal versions until the collaborative model (issue 5) replaces these bodies, keeping the
signatures: "For you" falls back to trending and says so; the others show nothing yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import Customer
from catalog.models import Article
from recommendations.trending import trending_articles
from recommendations.types import Recommendation

COLD_START_NOTE = "Trending — we'll personalise this once you've shopped"
NO_MODEL_NOTE = "Trending — personal picks appear once the recommender has been trained"


@dataclass(frozen=True)
class FeedResult:
    items: list[Recommendation] = field(default_factory=list)
    # True when the items are not personal (trending instead); `note` tells the shopper why.
    fallback: bool = False
    note: str = ""


def recommend_for_customer(customer: Customer, k: int = 12) -> FeedResult:
    has_history = customer.purchases.exists()
    return FeedResult(
        items=trending_articles(None, k),
        fallback=True,
        note=NO_MODEL_NOTE if has_history else COLD_START_NOTE,
    )


def also_bought(article: Article, k: int = 12) -> list[Recommendation]:
    return []


def customers_like_you(customer: Customer, k: int = 12) -> list[Recommendation]:
    return []
