"""Personal recommendations for pages and the API: "For you", "Customers also bought",
"Customers like you".

The collaborative model (recommendations.collaborative) does the work; this module decides what
to show when it cannot: a customer without purchases, or no trained model yet, gets trending,
and the result says so. Heavy imports (numpy, hnswlib) happen inside the functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from accounts.models import Customer
from catalog.models import Article
from recommendations.types import Recommendation

if TYPE_CHECKING:
    from recommendations.collaborative.personal import PastPurchase

COLD_START_NOTE = "Trending — we'll personalise this once you've shopped"
NO_MODEL_NOTE = "Trending — personal picks appear once the recommender has been trained"
# A version is active but this process could not load it (files missing or damaged; logged).
UNAVAILABLE_NOTE = "Trending — personal picks are unavailable right now"
# This process is still loading the model (seconds after a server starts).
LOADING_NOTE = "Trending — your personal picks will be here in a moment"
NEWER_THAN_MODEL_NOTE = "Trending — picks for your latest purchases appear after the next model update"


@dataclass(frozen=True)
class FeedResult:
    items: list[Recommendation] = field(default_factory=list)
    # True when the items are not personal (trending instead); `note` tells the shopper why.
    fallback: bool = False
    note: str = ""


def recommend_for_customer(customer: Customer | None, k: int = 12) -> FeedResult:
    """The "For you" feed: buy-again, colour variants, ALS picks and trending in one ranking.

    `None` (a login without a customer record, staff say) has no purchases: a cold start.
    """
    from recommendations.collaborative import personal
    from recommendations.collaborative.active import active_collaborative_model
    from recommendations.collaborative.parameters import KIND_NAME, BlendWeights
    from recommendations.trending import CANDIDATES_PER_CARD, trending_articles

    model = active_collaborative_model()
    per_product = (model.weights if model is not None else BlendWeights()).per_product
    purchases = _history(customer) if customer is not None else []
    if customer is None or not purchases:
        return _trending_instead(k, per_product, COLD_START_NOTE)
    if model is None:
        return _trending_instead(k, per_product, _why_no_model(KIND_NAME))
    items = personal.for_you(model, customer, purchases, k)
    if not items:
        # Everything they bought is newer than the model (it learns those articles tonight).
        return _trending_instead(k, per_product, NEWER_THAN_MODEL_NOTE)
    if len(items) < k:
        # A short history on a small catalogue can run out of candidates: trending in the
        # customer's own index groups fills the row, then trending overall. A generator, so
        # that each trending list (a query) is read only while the row still has gaps.
        groups = list(dict.fromkeys(purchase.group_name for purchase in purchases))
        fillers = (trending_articles(group, k * CANDIDATES_PER_CARD) for group in [*groups[:2], None])
        items = _filled(items, fillers, k, per_product)
    return FeedResult(items)


def _why_no_model(kind_name: str) -> str:
    from recommendations import serving

    state = serving.serving_state(kind_name)
    if state["loading"] or state["loaded"]:  # loaded: it finished since the caller looked
        return LOADING_NOTE
    return UNAVAILABLE_NOTE if state["active_version_id"] is not None else NO_MODEL_NOTE


def _trending_instead(k: int, per_product: int, note: str) -> FeedResult:
    from recommendations.trending import trending_products

    items = trending_products(None, k, per_product)
    return FeedResult(items, fallback=True, note=note)


def _filled(
    items: list[Recommendation], fillers: Iterable[list[Recommendation]], k: int, per_product: int
) -> list[Recommendation]:
    """`items` topped up to k from the fillers in turn: no article twice, at most `per_product` of
    a product, and each added item scored below every one before it, so that the scores of the
    row stay in its order (trending counts sales, on another scale than the blend)."""
    result = list(items)
    seen = {item.article.article_id for item in result}
    per_code = Counter(item.article.product_code for item in result)
    score = min(item.score for item in result)
    step = max(abs(score), 1e-3) / (k + 1)
    for filler in fillers:
        for item in filler:
            code = item.article.product_code
            if item.article.article_id in seen or per_code[code] >= per_product:
                continue
            seen.add(item.article.article_id)
            per_code[code] += 1
            score -= step
            result.append(replace(item, score=score))
            # Checked after adding, so that a full row never asks the next filler.
            if len(result) >= k:
                return result
    return result


def also_bought(article: Article, k: int = 12) -> list[Recommendation]:
    """Articles of other products that the buyers of this one also bought (ALS item neighbours)."""
    from recommendations.collaborative import personal
    from recommendations.collaborative.active import active_collaborative_model

    model = active_collaborative_model()
    if model is None:
        return []
    return personal.also_bought(model, article, k)


def similar_customers(customer: Customer, k: int = 12) -> list[tuple[Customer, float]]:
    """The customers whose purchases look most like this one's, with a cosine similarity."""
    from recommendations.collaborative import personal
    from recommendations.collaborative.active import active_collaborative_model

    model = active_collaborative_model()
    if model is None:
        return []
    ranked = personal.similar_customers(model, customer, _history(customer), k)
    customers = Customer.objects.in_bulk([pk for pk, _ in ranked])
    return [(customers[pk], similarity) for pk, similarity in ranked if pk in customers]


def customers_like_you(customer: Customer, k: int = 12) -> list[Recommendation]:
    """What the customers most like this one bought recently (and this one has not)."""
    from recommendations.collaborative import personal
    from recommendations.collaborative.active import active_collaborative_model

    model = active_collaborative_model()
    if model is None:
        return []
    return personal.customers_like_you(model, customer, _history(customer), k)


def _history(customer: Customer) -> list[PastPurchase]:
    """The customer's recent purchases, read once per Customer instance.

    The account page shows "For you" and "Customers like you" for the same customer (one instance
    per request): both need the same history, so the second asks no query.
    """
    from recommendations.collaborative import personal

    cached: list[PastPurchase] | None = getattr(customer, "_recent_purchases", None)
    if cached is None:
        cached = personal.customer_history(customer)
        customer._recent_purchases = cached  # type: ignore[attr-defined]
    return cached
