"""The "For you" ranking: buy-again, colour variants, ALS taste and trending in one score.

One function ranks the candidates for one customer; serving (recommendations.feed) and the
evaluation (held-out week) both call it, so the MAP@12 recorded for the blend is the MAP@12 of
what shoppers are shown. Scores add up per article:

    score = buy_again * R + variant * V + als * A + taste_trending * T * A + trending * T * G

R  the customer's purchases of the article, each halved every `buy_again_half_life_days`;
V  R of the colour variant they bought (articles sharing its product code);
A  the ALS affinity u.v, clipped at 0 and scaled by the best candidate's affinity;
T  the article's trending score scaled by the best seller's;
G  the share of the customer's (decayed) purchases in the article's index group.

T*A is what fast fashion rewards: this week's sellers that match the customer's taste. The
component that contributes most to an item names its reason on the page. Candidates are the
customer's purchases and their colour variants, the ALS index's nearest articles and the
trending articles of the customer's index groups: a few hundred, scored with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.parameters import BlendWeights
from recommendations.collaborative.popularity import TrendTable

__all__ = [
    "ALS",
    "BUY_AGAIN",
    "TRENDING",
    "VARIANT",
    "BlendModel",
    "BlendWeights",
    "History",
    "Scored",
    "blend",
]

BUY_AGAIN = "buy_again"
VARIANT = "variant"
ALS = "als"
TRENDING = "trending"
# Component order in the score matrix; ties name the earlier one.
SOURCES = (BUY_AGAIN, VARIANT, ALS, TRENDING)


@dataclass(frozen=True)
class History:
    """The customer's distinct purchased articles (catalogue positions), most recent first, with
    their decayed purchase weights R."""

    positions: np.ndarray  # int64
    weights: np.ndarray  # float32

    @classmethod
    def empty(cls) -> History:
        return cls(np.empty(0, np.int64), np.empty(0, np.float32))

    def __len__(self) -> int:
        return int(self.positions.shape[0])


@dataclass(frozen=True)
class BlendModel:
    """What the blend reads besides the customer: the catalogue, trending and ALS item factors."""

    catalogue: ArticleTable
    trend: TrendTable
    article_factors: np.ndarray  # (ALS columns, factors)
    column_of_position: np.ndarray  # ALS column of each catalogue position, -1 without factors

    @classmethod
    def build(
        cls, catalogue: ArticleTable, trend: TrendTable, article_factors: np.ndarray, column_ids: np.ndarray
    ) -> BlendModel:
        """`column_ids`: the article id of each ALS column (the model's article id map)."""
        column_of_position = np.full(len(catalogue), -1, dtype=np.int64)
        positions = catalogue.positions(column_ids)
        known = positions >= 0
        column_of_position[positions[known]] = np.flatnonzero(known)
        return cls(catalogue, trend, article_factors, column_of_position)

    def affinity(self, vector: np.ndarray | None, positions: np.ndarray) -> np.ndarray:
        """Raw ALS scores u.v of catalogue positions (0 where the model has no factors)."""
        if vector is None or not positions.size:
            return np.zeros(positions.shape, dtype=np.float32)
        columns = self.column_of_position[positions]
        values = self.article_factors[np.maximum(columns, 0)] @ vector
        return np.where(columns >= 0, values, 0.0).astype(np.float32)


@dataclass(frozen=True)
class Scored:
    article_id: int
    score: float
    source: str  # the component that contributed most: buy_again, variant, als or trending
    group: int | None
    related_to: int | None  # for a colour variant: the article the customer bought


def blend(
    history: History,
    *,
    vector: np.ndarray | None,
    als_candidates: np.ndarray,
    model: BlendModel,
    weights: BlendWeights,
    limit: int,
) -> list[Scored]:
    """Ranks articles for one customer, best first, at most `per_product` per product.

    `vector` is the customer's ALS factors (None when the model has none); `als_candidates`
    the catalogue positions of the customer's nearest articles in the ALS index.
    """
    catalogue = model.catalogue
    bought = history.positions[: weights.history_limit]
    recency = history.weights[: weights.history_limit].astype(np.float32)
    groups = catalogue.group_codes[bought]
    share = np.bincount(groups, weights=recency, minlength=len(catalogue.group_names)).astype(np.float32)
    share /= max(float(share.sum()), 1e-12)

    siblings, source_index = catalogue.same_product(bought)
    sibling_weight = recency[source_index]
    fresh = ~np.isin(siblings, bought)
    siblings, sibling_weight, sibling_source = (
        siblings[fresh],
        sibling_weight[fresh],
        bought[source_index[fresh]],
    )

    trending_candidates = [model.trend.top_by_group.get(int(group), _NONE) for group in np.flatnonzero(share)]
    candidates = np.unique(
        np.concatenate([bought, siblings, np.asarray(als_candidates, np.int64), *trending_candidates])
    )
    if not candidates.size:
        return []

    components = np.zeros((len(SOURCES), candidates.size), dtype=np.float32)
    components[0, np.searchsorted(candidates, bought)] = weights.buy_again * recency
    variant = np.zeros(candidates.size, dtype=np.float32)
    variant_from = np.full(candidates.size, -1, dtype=np.int64)
    # A sibling of two purchases takes the heavier one: sort by sibling, then weight; keep the last.
    order = np.lexsort((sibling_weight, siblings))
    last = np.r_[siblings[order][1:] != siblings[order][:-1], True] if order.size else order.astype(bool)
    strongest = order[last]
    at = np.searchsorted(candidates, siblings[strongest])
    variant[at] = sibling_weight[strongest]
    variant_from[at] = sibling_source[strongest]
    components[1] = weights.variant * variant
    taste = np.maximum(model.affinity(vector, candidates), 0.0)
    best_taste = float(taste.max(initial=0.0))
    if best_taste > 0:
        taste /= best_taste
    trend = model.trend.scores[candidates]
    components[2] = weights.als * taste + weights.taste_trending * trend * taste
    components[3] = weights.trending * trend * share[catalogue.group_codes[candidates]]
    scores = components.sum(axis=0)
    source = components.argmax(axis=0)
    # A re-purchase reads as one, whatever else recommends it.
    source[components[0] > 0] = 0

    ranked = np.lexsort((catalogue.article_ids[candidates], -scores))
    ranked = ranked[scores[ranked] > 0]
    return _capped(ranked, candidates, scores, source, variant_from, catalogue, weights.per_product, limit)


_NONE = np.empty(0, np.int64)


def _capped(
    ranked: np.ndarray,
    candidates: np.ndarray,
    scores: np.ndarray,
    source: np.ndarray,
    variant_from: np.ndarray,
    catalogue: ArticleTable,
    per_product: int,
    limit: int,
) -> list[Scored]:
    kept: list[Scored] = []
    per_code: dict[int, int] = {}
    for index in ranked.tolist():
        position = int(candidates[index])
        code = int(catalogue.product_codes[position])
        if per_code.get(code, 0) >= per_product:
            continue
        per_code[code] = per_code.get(code, 0) + 1
        related = int(variant_from[index])
        kept.append(
            Scored(
                article_id=int(catalogue.article_ids[position]),
                score=float(scores[index]),
                source=SOURCES[int(source[index])],
                group=int(catalogue.group_codes[position]),
                related_to=int(catalogue.article_ids[related]) if related >= 0 else None,
            )
        )
        if len(kept) >= limit:
            break
    return kept
