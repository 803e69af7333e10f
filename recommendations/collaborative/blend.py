"""The "For you" ranking: buy-again, colour variants, ALS taste and trending in one score.

One pure function ranks the candidates for one customer; serving (recommendations.feed) and the
evaluation (held-out week) both call it, so the MAP@12 recorded for the blend is the MAP@12 of
what shoppers are shown. Scores add up per article:

    score = buy_again · R  +  variant · V  +  als · A  +  trending · T · G  +  taste_trending · T · A

R  the customer's purchases of the article, each halved every `buy_again_half_life_days`;
V  R of the colour variant they bought (articles sharing its product code);
A  the ALS affinity u·v, clipped at 0 and scaled by the best ALS candidate's affinity;
T  the article's trending score scaled by the best seller's;
G  the share of the customer's (decayed) purchases in the article's index group.

T·A is what fast fashion rewards: this week's launches that match the customer's taste. The
component that contributes most to an item names its reason on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.parameters import BlendWeights
from recommendations.collaborative.popularity import TrendTable

__all__ = ["ALS", "BUY_AGAIN", "TRENDING", "VARIANT", "BlendWeights", "HistoryItem", "Scored", "blend"]

BUY_AGAIN = "buy_again"
VARIANT = "variant"
ALS = "als"
TRENDING = "trending"


@dataclass(frozen=True)
class HistoryItem:
    """One article the customer bought, with its decayed purchase weight R."""

    article_id: int
    weight: float
    product_code: int | None
    group: int | None


@dataclass(frozen=True)
class Scored:
    article_id: int
    score: float
    source: str  # the component that contributed most: buy_again, variant, als or trending
    group: int | None
    related_to: int | None  # for a colour variant: the article the customer bought


Affinity = Callable[[Sequence[int]], np.ndarray]  # article ids → raw ALS scores u·v (0 if unknown)


def blend(
    history: Sequence[HistoryItem],
    *,
    affinity: Affinity | None,
    als_candidates: Sequence[int],
    articles: ArticleTable,
    trend: TrendTable,
    weights: BlendWeights,
    limit: int,
) -> list[Scored]:
    """Ranks candidate article ids for one customer, best first, at most `per_product` per product."""
    recency: dict[int, float] = {}
    groups: dict[int | None, float] = {}
    product_of: dict[int, int | None] = {}
    group_of: dict[int, int | None] = {}
    for item in history[: weights.history_limit]:
        recency[item.article_id] = recency.get(item.article_id, 0.0) + item.weight
        groups[item.group] = groups.get(item.group, 0.0) + item.weight
        product_of[item.article_id] = item.product_code
        group_of[item.article_id] = item.group
    total = sum(groups.values()) or 1.0
    share = {group: weight / total for group, weight in groups.items()}

    variant_of: dict[int, tuple[float, int]] = {}
    for article_id, weight in recency.items():
        code = product_of[article_id]
        if code is None:
            continue
        for sibling in articles.variants_of(code).tolist():
            if sibling not in recency and weight > variant_of.get(sibling, (0.0, 0))[0]:
                variant_of[sibling] = (weight, article_id)

    candidates: dict[int, None] = dict.fromkeys(recency)
    candidates.update(dict.fromkeys(variant_of))
    candidates.update(dict.fromkeys(als_candidates))
    for group in share:
        if group is not None:
            candidates.update(dict.fromkeys(trend.top_by_group.get(group, ())))
    ids = list(candidates)

    taste = _scaled_affinity(affinity, ids)
    scored: list[Scored] = []
    for article_id, article_taste in zip(ids, taste.tolist(), strict=True):
        group = group_of[article_id] if article_id in group_of else articles.group(article_id)
        trending = trend.scores.get(article_id, 0.0)
        related = variant_of.get(article_id)
        parts = (
            (weights.buy_again * recency.get(article_id, 0.0), BUY_AGAIN),
            (weights.variant * (related[0] if related else 0.0), VARIANT),
            (weights.als * article_taste + weights.taste_trending * trending * article_taste, ALS),
            (weights.trending * trending * share.get(group, 0.0), TRENDING),
        )
        score = sum(part for part, _ in parts)
        if score <= 0.0:
            continue
        # A re-purchase reads as one, whatever else recommends it.
        source = BUY_AGAIN if article_id in recency else max(parts)[1]
        scored.append(Scored(article_id, score, source, group, related[1] if related else None))
    scored.sort(key=lambda item: (-item.score, item.article_id))
    return cap_per_product(scored, articles, product_of, per_product=weights.per_product, limit=limit)


def _scaled_affinity(affinity: Affinity | None, ids: list[int]) -> np.ndarray:
    """A⁺ for each id: u·v clipped at 0, divided by the best ALS candidate's u·v."""
    if affinity is None or not ids:
        return np.zeros(len(ids), dtype=np.float32)
    raw = np.maximum(np.asarray(affinity(ids), dtype=np.float32), 0.0)
    # The ALS candidates are the customer's best matches (they are among `ids`), so the largest
    # raw affinity is theirs: scaling by it puts A⁺ in [0, 1].
    best = float(raw.max(initial=0.0))
    return raw / best if best > 0 else raw


def cap_per_product(
    ranked: Sequence[Scored],
    articles: ArticleTable,
    known_products: dict[int, int | None],
    *,
    per_product: int,
    limit: int,
) -> list[Scored]:
    kept: list[Scored] = []
    per_code: dict[int, int] = {}
    for item in ranked:
        code = known_products.get(item.article_id) or articles.product_code(item.article_id)
        if code is not None:
            if per_code.get(code, 0) >= per_product:
                continue
            per_code[code] = per_code.get(code, 0) + 1
        kept.append(item)
        if len(kept) >= limit:
            break
    return kept
