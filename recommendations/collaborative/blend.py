"""The "For you" ranking: buy-again, colour variants, ALS taste and trending in one score.

One function ranks the candidates: `blend_many` for many customers at once (the held-out week's
evaluation), `blend` for one (serving, recommendations.feed) through the same code, so the MAP@12
recorded for the blend is the MAP@12 of what shoppers are shown. Scores add up per article:

    score = buy_again * R + variant * V + als * A + taste_trending * T * A + trending * T * G

R  the customer's purchases of the article, each halved every `buy_again_half_life_days`;
V  R of the colour variant they bought (articles sharing its product code);
A  the ALS affinity u.v, clipped to [0, 1] (ALS fits it towards 1 for purchases);
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
from recommendations.collaborative.interactions import best_first, rank_within, sorted_distinct
from recommendations.collaborative.lists import concatenated_ranges
from recommendations.collaborative.parameters import BlendWeights
from recommendations.collaborative.popularity import TrendTable

__all__ = [
    "ALS",
    "BUY_AGAIN",
    "TRENDING",
    "VARIANT",
    "BlendModel",
    "BlendWeights",
    "Histories",
    "History",
    "Ranking",
    "Scored",
    "blend",
    "blend_many",
]

BUY_AGAIN = "buy_again"
VARIANT = "variant"
ALS = "als"
TRENDING = "trending"
# Component order in the score matrix; ties name the earlier one.
SOURCES = (BUY_AGAIN, VARIANT, ALS, TRENDING)
# Items per wanted item in the head of each customer's ranking that `_capped` caps first.
CAP_HEAD_PER_ITEM = 3
# (customer, article) pairs whose factors `BlendModel.affinities` gathers at once. A chunk gathers
# two operands of this many rows, the articles' factors and the customers': at the default 32
# float32 factors 2 x 256 KB = 512 KB, half the L2 cache of a core of the development machines
# (1 MB; 64 factors would fill it). A held-out batch of 250 customers (70,000 pairs) took 4.4 ms
# in chunks, 9.6 ms in one gather.
AFFINITY_CHUNK = 2048


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

    def affinities(self, vectors: np.ndarray, owners: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Raw ALS scores u.v of each (customer row of `vectors`, catalogue position) pair (0 where
        the model has no factors for the article)."""
        columns = self.column_of_position[positions]
        values = np.empty(columns.shape, dtype=np.float32)
        # Each pair's product is its own, so chunks give the same values; one chunk's gathered
        # rows stay in the cache, where 70,000 pairs at once went through memory twice as slowly.
        for start in range(0, columns.size, AFFINITY_CHUNK):
            chunk = slice(start, start + AFFINITY_CHUNK)
            values[chunk] = np.einsum(
                "ij,ij->i", self.article_factors[np.maximum(columns[chunk], 0)], vectors[owners[chunk]]
            )
        return np.where(columns >= 0, values, 0.0).astype(np.float32)


@dataclass(frozen=True)
class Scored:
    article_id: int
    score: float
    source: str  # the component that contributed most: buy_again, variant, als or trending
    group: int | None
    related_to: int | None  # for a colour variant: the article the customer bought


@dataclass(frozen=True)
class Histories:
    """Many customers' histories in flat arrays: `owners[i]` is the customer (0..n-1, in order)
    that `positions[i]` and `weights[i]` belong to, each customer's articles most recent first."""

    owners: np.ndarray  # int64, non-decreasing
    positions: np.ndarray  # int64
    weights: np.ndarray  # float32

    @classmethod
    def of(cls, histories: list[History]) -> Histories:
        lengths = [len(history) for history in histories]
        return cls(
            np.repeat(np.arange(len(histories), dtype=np.int64), lengths),
            np.concatenate([history.positions for history in histories] or [_NONE]).astype(np.int64),
            np.concatenate([history.weights for history in histories] or [_NO_WEIGHTS]).astype(np.float32),
        )


@dataclass(frozen=True)
class Ranking:
    """Ranked lists of many customers in flat arrays, each customer's best first."""

    owners: np.ndarray  # int64: the customer of each item (0..n-1), non-decreasing
    positions: np.ndarray  # catalogue positions
    scores: np.ndarray
    sources: np.ndarray  # index into SOURCES
    variant_from: np.ndarray  # for a colour variant: catalogue position of the bought article, else -1


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
    dim = model.article_factors.shape[1]
    ranking = blend_many(
        Histories.of([history]),
        vectors=(np.zeros(dim, np.float32) if vector is None else vector).reshape(1, dim),
        candidate_owners=np.zeros(len(als_candidates), np.int64),
        als_candidates=np.asarray(als_candidates, np.int64),
        model=model,
        weights=weights,
        limit=limit,
    )
    # Plain Python values first: indexing numpy arrays item by item cost more than the ranking.
    positions = ranking.positions
    catalogue = model.catalogue
    related = np.where(ranking.variant_from >= 0, catalogue.article_ids[ranking.variant_from], -1)
    return [
        Scored(
            article_id=article_id,
            score=score,
            source=SOURCES[source],
            group=group,
            related_to=related_to if related_to >= 0 else None,
        )
        for article_id, score, source, group, related_to in zip(
            catalogue.article_ids[positions].tolist(),
            ranking.scores.tolist(),
            ranking.sources.tolist(),
            catalogue.group_codes[positions].tolist(),
            related.tolist(),
            strict=True,
        )
    ]


def blend_many(
    histories: Histories,
    *,
    vectors: np.ndarray,
    candidate_owners: np.ndarray,
    als_candidates: np.ndarray,
    model: BlendModel,
    weights: BlendWeights,
    limit: int,
) -> Ranking:
    """`blend` for many customers at once, with numpy over flat arrays instead of a Python loop.

    `vectors` holds one row per customer (zeros where the model has none: no ALS affinity);
    `als_candidates[i]` is a catalogue position offered to customer `candidate_owners[i]`.
    Every step works per customer exactly as it would for that customer alone: the pairs
    (customer, article) are keyed `owner * len(catalogue) + position`.
    """
    catalogue = model.catalogue
    size = len(catalogue)
    kept = rank_within(histories.owners) < weights.history_limit
    owners, bought = histories.owners[kept], histories.positions[kept]
    recency = histories.weights[kept].astype(np.float32)
    customers, group_count = vectors.shape[0], len(catalogue.group_names)
    share = (
        np.bincount(
            owners * group_count + catalogue.group_codes[bought],
            weights=recency,
            minlength=customers * group_count,
        )
        .astype(np.float32)
        .reshape(customers, group_count)
    )
    share /= np.maximum(share.sum(axis=1, keepdims=True), np.float32(1e-12))

    # Colour variants; one the customer bought too counts as buy-again instead (zeroed below).
    siblings, source_index = catalogue.same_product(bought)
    sibling_owners = owners[source_index]
    sibling_weight, sibling_source = recency[source_index], bought[source_index]

    trending_owners, trending_candidates = _trending_candidates(model.trend, share)
    candidates = sorted_distinct(
        np.concatenate(
            [
                owners * size + bought,
                sibling_owners * size + siblings,
                np.asarray(candidate_owners, np.int64) * size + np.asarray(als_candidates, np.int64),
                trending_owners * size + trending_candidates,
            ]
        ),
        below=customers * size,
    )
    if not candidates.size:
        return Ranking(_NONE, _NONE, _NO_WEIGHTS, _NONE, _NONE)
    pair_owners, positions = np.divmod(candidates, size)

    components = np.zeros((len(SOURCES), candidates.size), dtype=np.float32)
    bought_at = np.searchsorted(candidates, owners * size + bought)
    components[0, bought_at] = weights.buy_again * recency
    variant = np.zeros(candidates.size, dtype=np.float32)
    variant_from = np.full(candidates.size, -1, dtype=np.int64)
    # A sibling of two purchases takes the heavier one: sort by sibling, then weight; keep the last.
    sibling_keys = sibling_owners * size + siblings
    order = np.lexsort((sibling_weight, sibling_keys))
    last = (
        np.append(sibling_keys[order][1:] != sibling_keys[order][:-1], True)
        if order.size
        else order.astype(bool)
    )
    strongest = order[last]
    at = np.searchsorted(candidates, sibling_keys[strongest])
    variant[at] = sibling_weight[strongest]
    variant_from[at] = sibling_source[strongest]
    components[1] = weights.variant * variant
    was_bought = np.zeros(candidates.size, dtype=bool)
    was_bought[bought_at] = True
    components[1, was_bought] = 0.0
    variant_from[was_bought] = -1
    # u.v as it is: ALS fits it towards 1 for what was bought, so its size says how sure the model
    # is. Scaling each customer's best candidate up to 1 (as before) let weak ALS picks push out
    # buy-again on a large catalogue: on the validation week of a full-scale generated set
    # (1.37M customers, 105k articles) the blend scored 0.0578 against buy-again's 0.0704; as is,
    # 0.0704. Default demo 0.2578 -> 0.2587, 50,000 customers 0.1147 -> 0.1171 (validation weeks).
    taste = np.clip(model.affinities(vectors, pair_owners, positions), 0.0, 1.0)
    trend = model.trend.scores[positions]
    components[2] = weights.als * taste + weights.taste_trending * trend * taste
    components[3] = weights.trending * trend * share[pair_owners, catalogue.group_codes[positions]]
    scores = components.sum(axis=0)
    source = _largest(components)
    # A re-purchase reads as one, whatever else recommends it.
    source[was_bought] = 0

    ranked = _ranked(pair_owners, scores)
    ranked = _capped(ranked, pair_owners, catalogue.product_codes[positions], weights.per_product, limit)
    return Ranking(
        pair_owners[ranked], positions[ranked], scores[ranked], source[ranked], variant_from[ranked]
    )


_NONE = np.empty(0, np.int64)
_NO_WEIGHTS = np.empty(0, np.float32)


def _largest(components: np.ndarray) -> np.ndarray:
    """components.argmax(axis=0), the first on ties, in half the time (row by row, no strides)."""
    best = components[0].copy()
    largest = np.zeros(components.shape[1], dtype=np.int64)
    for row in range(1, components.shape[0]):
        larger = components[row] > best
        largest[larger] = row
        np.maximum(best, components[row], out=best)
    return largest


def _trending_candidates(trend: TrendTable, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) of the trending articles of every index group each customer bought in."""
    owners, groups = np.nonzero(share)
    per_group = [trend.top_by_group.get(group, _NONE) for group in range(share.shape[1])]
    sizes = np.array([len(top) for top in per_group], dtype=np.int64)
    starts, lengths = (np.cumsum(sizes) - sizes)[groups], sizes[groups]
    flat = np.concatenate([*per_group, _NONE]).astype(np.int64)
    return np.repeat(owners.astype(np.int64), lengths), flat[concatenated_ranges(starts, lengths)]


def _ranked(owners: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Indexes of the positive scores, by owner, then best score first, then by index.

    `best_first` instead of a three-key lexsort (40% of the held-out week's blend). The
    candidates are in (owner, catalogue position) order, positions in article id order, so a tie
    keeps the lower article id first.
    """
    positive = np.flatnonzero(scores > 0)
    return positive[best_first(owners[positive], scores[positive])]


def _capped(
    ranked: np.ndarray, owners: np.ndarray, codes: np.ndarray, per_product: int, limit: int
) -> np.ndarray:
    """The ranked items kept: at most `per_product` per (customer, product), `limit` per customer.

    Whether an item is kept depends only on the items ranked above it, so each customer's first
    few items are capped first; only a customer whose head leaves fewer than `limit` items has
    the rest of their list capped too.
    """
    owner_of = owners[ranked]
    within = rank_within(owner_of)
    head = limit * CAP_HEAD_PER_ITEM
    kept = _capped_all(ranked[within < head], owners, codes, per_product, limit)
    customers = int(owner_of.max(initial=-1)) + 1
    redo = (np.bincount(owners[kept], minlength=customers) < limit) & (
        np.bincount(owner_of, minlength=customers) > head
    )
    if not redo.any():
        return kept
    merged = np.concatenate(
        [kept[~redo[owners[kept]]], _capped_all(ranked[redo[owner_of]], owners, codes, per_product, limit)]
    )
    return merged[np.argsort(owners[merged], kind="stable")]


def _capped_all(
    ranked: np.ndarray, owners: np.ndarray, codes: np.ndarray, per_product: int, limit: int
) -> np.ndarray:
    # One key per (customer, product); a stable sort keeps each key's items in ranked order.
    keys = owners[ranked] * (int(codes.max(initial=0)) + 1) + codes[ranked]
    by_product = np.argsort(keys, kind="stable")
    within_product = np.empty(ranked.size, dtype=np.int64)
    within_product[by_product] = rank_within(keys[by_product])
    ranked = ranked[within_product < per_product]
    return ranked[rank_within(owners[ranked]) < limit]
