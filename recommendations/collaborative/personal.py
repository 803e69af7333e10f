"""The personal shelves: "For you", "Customers also bought", "Customers like you".

Each call costs a couple of indexed queries (the customer's purchases, the articles to show) plus
work on the already loaded model: an HNSW query and a few hundred dot products. Nothing is
loaded per request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import QuerySet

from accounts.models import Customer, Purchase
from catalog.models import Article
from catalog.selectors import CARD_DEFERRED_FIELDS
from recommendations.collaborative.blend import ALS, BUY_AGAIN, TRENDING, VARIANT, History, Scored, blend
from recommendations.collaborative.interactions import day_date, day_number, purchase_weights
from recommendations.collaborative.model import CollaborativeModel
from recommendations.types import Recommendation, at_most_per_product

# A long-standing customer's newest purchases are plenty for buy-again and for folding them in.
HISTORY_ROWS = 200
# Spare candidates so that articles removed from the catalogue since training can be skipped.
SPARE_CANDIDATES = 12
# "Customers like you": neighbours asked for, and how recent their purchases must be.
NEIGHBOURS = 30
NEIGHBOUR_PURCHASE_DAYS = 28


@dataclass(frozen=True)
class PastPurchase:
    article_id: int
    day: int
    product_code: int
    group_name: str
    name: str


def customer_history(customer: Customer) -> list[PastPurchase]:
    """The customer's newest purchases, newest first (one indexed query)."""
    rows = (
        Purchase.objects.filter(customer=customer)
        .order_by("-t_dat", "-id")
        .values_list(
            "article_id", "t_dat", "article__product_code", "article__index_group_name", "article__prod_name"
        )[:HISTORY_ROWS]
    )
    return [PastPurchase(row[0], day_number(row[1]), row[2], row[3], row[4]) for row in rows]


def history(model: CollaborativeModel, purchases: list[PastPurchase]) -> History:
    """Distinct articles, most recently bought first, weighted as the evaluation weighs them.

    Articles newer than the model's catalogue snapshot are left out until the next retrain.
    """
    if not purchases:
        return History.empty()
    positions = model.catalogue.positions([purchase.article_id for purchase in purchases])
    weights = purchase_weights(
        np.array([purchase.day for purchase in purchases], dtype=np.int32),
        reference_day=model.reference_day,
        half_life_days=model.weights.buy_again_half_life_days,
    )
    known = positions >= 0
    positions, weights = positions[known], weights[known]
    # Purchases come newest first, so each article's first index is its most recent purchase.
    unique, first, inverse = np.unique(positions, return_index=True, return_inverse=True)
    summed = np.bincount(inverse, weights=weights, minlength=len(unique)).astype(np.float32)
    order = np.argsort(first, kind="stable")
    return History(unique[order], summed[order])


def customer_vector(
    model: CollaborativeModel, customer: Customer, purchases: list[PastPurchase]
) -> np.ndarray | None:
    return model.customer_vector(
        customer.pk, [purchase.article_id for purchase in purchases], [purchase.day for purchase in purchases]
    )


def ranked_for_customer(
    model: CollaborativeModel, customer: Customer, purchases: list[PastPurchase], limit: int
) -> list[Scored]:
    vector = customer_vector(model, customer, purchases)
    candidates = model.als_candidates(vector, model.weights.als_candidates) if vector is not None else _NONE
    return blend(
        history(model, purchases),
        vector=vector,
        als_candidates=candidates,
        model=model.blend_model,
        weights=model.weights,
        limit=limit,
    )


_NONE = np.empty(0, np.int64)


def for_you(
    model: CollaborativeModel, customer: Customer, purchases: list[PastPurchase], k: int
) -> list[Recommendation]:
    ranked = ranked_for_customer(model, customer, purchases, k + SPARE_CANDIDATES)
    articles = _cards().in_bulk([item.article_id for item in ranked])
    shown = [item for item in ranked if item.article_id in articles][:k]
    names = {purchase.article_id: purchase.name for purchase in purchases}
    explain = _Explainer(model, [purchase.article_id for purchase in purchases], names)
    return [
        Recommendation(articles[item.article_id], _reason(model, item, names, explain), item.score)
        for item in shown
    ]


def _reason(model: CollaborativeModel, item: Scored, names: dict[int, str], explain: _Explainer) -> str:
    if item.source == BUY_AGAIN:
        return "Buy again"
    if item.source == VARIANT and item.related_to is not None:
        return f"Another colour of the {names.get(item.related_to, 'item')} you bought"
    if item.source == TRENDING and item.group is not None:
        return f"Popular in {model.catalogue.group_names[item.group]} this week"
    if item.source == ALS:
        because = explain(item.article_id)
        if because:
            return f"Because you bought {because}"
    return "Picked for you"


class _Explainer:
    """Names the purchase whose ALS factors are closest to a recommended article's."""

    def __init__(self, model: CollaborativeModel, bought: list[int], names: dict[int, str]) -> None:
        ids = np.array(list(dict.fromkeys(bought)), dtype=np.int64)
        columns = model.article_map.positions(ids).astype(np.int64)
        self._model = model
        self._ids = ids[columns >= 0]
        self._names = [names[int(article_id)] for article_id in self._ids.tolist()]
        self._factors = _unit_rows(model.article_factors[columns[columns >= 0]])

    def __call__(self, article_id: int) -> str | None:
        column = self._model.article_map.position(article_id)
        if column is None or not self._ids.size:
            return None
        similarities = self._factors @ self._model.article_factors[column]
        # The article itself (when bought before) explains nothing.
        similarities[self._ids == article_id] = -np.inf
        best = int(np.argmax(similarities))
        return self._names[best] if np.isfinite(similarities[best]) else None


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms > 0, norms, 1.0))


def also_bought(model: CollaborativeModel, article: Article, k: int) -> list[Recommendation]:
    """Nearest articles by ALS item factors (cosine), other products only, a few colours each."""
    neighbours = model.similar_articles(article.article_id, 3 * k + SPARE_CANDIDATES)
    articles = (
        _cards()
        .exclude(product_code=article.product_code)
        .in_bulk([article_id for article_id, _ in neighbours])
    )
    return at_most_per_product(
        (
            Recommendation(articles[article_id], "Customers who bought this also bought", similarity)
            for article_id, similarity in neighbours
            if article_id in articles
        ),
        model.weights.per_product,
        k,
    )


def similar_customers(
    model: CollaborativeModel, customer: Customer, purchases: list[PastPurchase], k: int
) -> list[tuple[int, float]]:
    """(customer pk, cosine similarity) of the customers whose taste is closest, best first."""
    vector = customer_vector(model, customer, purchases)
    if vector is None:
        return []
    return model.similar_customers(vector, k, exclude_pk=customer.pk)


def customers_like_you(
    model: CollaborativeModel, customer: Customer, purchases: list[PastPurchase], k: int
) -> list[Recommendation]:
    """What the most similar customers bought lately, that this customer has not bought."""
    neighbours = dict(similar_customers(model, customer, purchases, NEIGHBOURS))
    if not neighbours:
        return []
    since = day_date(model.reference_day - NEIGHBOUR_PURCHASE_DAYS)
    rows = Purchase.objects.filter(customer_id__in=list(neighbours), t_dat__gt=since).values_list(
        "customer_id", "article_id", "t_dat"
    )
    bought = {purchase.article_id for purchase in purchases}
    scores: dict[int, float] = {}
    buyers: dict[int, set[int]] = {}
    for neighbour, article_id, day in rows:
        if article_id in bought:
            continue
        recency = 0.5 ** (max(model.reference_day - day_number(day), 0) / NEIGHBOUR_PURCHASE_DAYS)
        scores[article_id] = scores.get(article_id, 0.0) + neighbours[neighbour] * recency
        buyers.setdefault(article_id, set()).add(neighbour)
    ranked = sorted(scores, key=lambda article_id: (-scores[article_id], article_id))[
        : 3 * k + SPARE_CANDIDATES
    ]
    articles = _cards().in_bulk(ranked)
    return at_most_per_product(
        (
            Recommendation(
                articles[article_id], _like_you_reason(len(buyers[article_id])), scores[article_id]
            )
            for article_id in ranked
            if article_id in articles
        ),
        model.weights.per_product,
        k,
    )


def _cards() -> QuerySet[Article]:
    """Articles a shelf may show, without what cards never display (description, search vector)."""
    return Article.objects.browsable().defer(*CARD_DEFERRED_FIELDS)


def _like_you_reason(count: int) -> str:
    if count == 1:
        return "Bought recently by a customer with your taste"
    return f"Bought recently by {count} customers with your taste"
