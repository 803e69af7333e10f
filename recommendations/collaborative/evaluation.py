"""The held-out week: MAP@12 of the baselines and of the blend (the Kaggle protocol).

Train on everything up to `cutoff` (the last day minus 7), predict 12 articles for every customer
who bought in the 7 days after it, score with MAP@12. Baselines: last week's best sellers for
everyone, trending for everyone, buy-again alone, ALS alone; then the blend served as "For you".
Alone, buy-again and ALS leave short lists short and give customers new since the cutoff nothing,
where the blend shows trending. So each is also scored topped up to 12 with last week's best
sellers: `map12_buy_again_popular` (the recency-and-popularity heuristic that scored 0.021-0.023
on Kaggle's H&M data) and `map12_als_popular`, the strong simple baselines the blend has to beat.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from recommendations.collaborative import ann
from recommendations.collaborative.als import AlsParameters, Factors, IterationCallback, fit_als
from recommendations.collaborative.blend import (
    BlendModel,
    BlendWeights,
    Histories,
    History,
    blend_many,
)
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.interactions import (
    IdMap,
    PurchaseLog,
    best_first,
    build_matrix,
    purchase_weights,
    rank_within,
)
from recommendations.collaborative.lists import Lists, ListsByCustomer
from recommendations.collaborative.metrics import K, average_precisions, mean_in_order
from recommendations.collaborative.popularity import TrendTable, popular_last_week, trending_scores

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

HOLDOUT_DAYS = 7
SAMPLE_SEED = 42
# Customers scored per matrix product when ranking every article by ALS. Each row's scores and
# top columns are its own in any product of two rows or more (`top_by_affinity` never multiplies
# one row alone), so the batch changes only speed and memory: the held-out week's 20,000
# customers against 10,400 articles took 0.55 CPU-s at 128 (5 MB of scores, near the cache), 0.67
# at 512; at H&M scale 128 x 105k floats ≈ 54 MB.
SCORING_BATCH = 128
# Held-out customers ranked by the blend per numpy pass (a few hundred candidates each). The
# whole scoring of 20,000 customers took 6.0-6.3 CPU-s at 100 and 250, about 15% more at 1,000
# as the arrays outgrow the caches; small passes also bound memory however many are scored.
BLEND_BATCH = 250


@dataclass
class Split:
    cutoff: int
    train: PurchaseLog
    truth: dict[int, set[int]]  # customer pk → articles bought in the held-out week


def split_last_week(log: PurchaseLog, holdout_days: int = HOLDOUT_DAYS) -> Split:
    cutoff = log.last_day - holdout_days
    held_out = log.where(log.days > cutoff)
    truth: dict[int, set[int]] = {}
    for customer, article in zip(held_out.customers.tolist(), held_out.articles.tolist(), strict=True):
        truth.setdefault(customer, set()).add(article)
    return Split(cutoff, log.where(log.days <= cutoff), truth)


def histories_from_log(
    log: PurchaseLog,
    customers: Sequence[int],
    *,
    reference_day: int,
    half_life_days: float,
    articles: ArticleTable,
) -> dict[int, History]:
    """Each customer's purchased articles, most recently bought first, with decayed weights."""
    owners, positions, weights = history_arrays(
        log, customers, reference_day=reference_day, half_life_days=half_life_days, articles=articles
    )
    bounds = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1], True]) if owners.size else np.zeros(1, int)
    return {
        int(owners[start]): History(positions[start:end], weights[start:end])
        for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    }


def history_arrays(
    log: PurchaseLog,
    customers: Sequence[int] | np.ndarray,
    *,
    reference_day: int,
    half_life_days: float,
    articles: ArticleTable,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`histories_from_log` as flat arrays (customer pk, catalogue position, weight), sorted by
    customer, each customer's articles most recently bought first."""
    chosen = log.where(np.isin(log.customers, np.asarray(customers, dtype=np.int32)))
    positions = articles.positions(chosen.articles)
    chosen = chosen.where(positions >= 0)
    positions = positions[positions >= 0]
    weights = purchase_weights(chosen.days, reference_day=reference_day, half_life_days=half_life_days)
    # One row per (customer, article): summed weight and the last day it was bought. A stable
    # sort of one int64 key orders as lexsort of the two (ties keep the log's order, so the
    # weights sum in the same order) in a third of the time.
    order = np.argsort(chosen.customers.astype(np.int64) * len(articles) + positions, kind="stable")
    pair_customers, pair_positions = chosen.customers[order], positions[order]
    starts = np.flatnonzero(
        np.r_[True, (pair_customers[1:] != pair_customers[:-1]) | (pair_positions[1:] != pair_positions[:-1])]
    )
    if not starts.size:
        return np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.float32)
    summed = np.add.reduceat(weights[order], starts).astype(np.float32)
    last = np.maximum.reduceat(chosen.days[order], starts)
    pair_customers, pair_positions = pair_customers[starts], pair_positions[starts]
    # The pairs are in position order within each customer, and best_first keeps equal days in
    # that order. Day numbers are below 2**24, so float32 holds each one exactly.
    newest_first = best_first(pair_customers, last.astype(np.float32))
    return pair_customers[newest_first], pair_positions[newest_first], summed[newest_first]


def top_by_affinity(factors: Factors, rows: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k ALS columns by u.v for the given matrix rows: one row of columns each, best
    first (ties by column)."""
    k = min(k, factors.articles.shape[0])
    result = np.empty((len(rows), k), dtype=np.int64)
    bounds = [*range(0, len(rows), SCORING_BATCH), len(rows)]
    # numpy multiplies one row by BLAS's gemv, whose sums differ from gemm's in the last bit (and
    # so can reorder near ties): a lone last row joins the batch before it. One customer scored
    # alone still goes through gemv.
    if len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
        del bounds[-2]
    for start, end in pairwise(bounds):
        scores = factors.customers[rows[start:end]] @ factors.articles.T
        result[start:end] = ann.top_k_columns(scores, k)
    return result


@dataclass
class HeldOutFit:
    """ALS fitted on the weeks before the held-out one, in the id space of the whole log."""

    split: Split
    factors: Factors
    customer_map: IdMap
    article_map: IdMap
    matrix: csr_matrix  # what the fit learnt from: the training weeks, decayed to the cutoff


@dataclass
class Evaluation:
    metrics: dict[str, float]
    factors: Factors  # fitted on the training weeks, in the id space of the full log
    customer_map: IdMap
    article_map: IdMap
    # What each recommender predicted for each scored customer (read-only mappings whose lists
    # are made when read), and what they bought (for per-customer analysis such as paired
    # standard errors in benchmarks).
    predictions: dict[str, Mapping[int, list[int]]] = field(default_factory=dict)
    truth: dict[int, set[int]] = field(default_factory=dict)


def evaluate(
    log: PurchaseLog,
    articles: ArticleTable,
    *,
    als: AlsParameters,
    weights: BlendWeights,
    matrix_half_life_days: float | None,
    on_iteration: IterationCallback | None = None,
    holdout_days: int = HOLDOUT_DAYS,
    check: Callable[[], None] | None = None,
    sample_customers: int = 0,
) -> Evaluation:
    """Fits ALS on the training weeks and scores every recommender on the held-out week."""
    fit = fit_held_out(
        log,
        als=als,
        matrix_half_life_days=matrix_half_life_days,
        on_iteration=on_iteration,
        holdout_days=holdout_days,
        sample_customers=sample_customers,
    )
    if check:
        check()
    return score_held_out(fit, articles, weights)


def fit_held_out(
    log: PurchaseLog,
    *,
    als: AlsParameters,
    matrix_half_life_days: float | None,
    on_iteration: IterationCallback | None = None,
    holdout_days: int = HOLDOUT_DAYS,
    sample_customers: int = 0,
) -> HeldOutFit:
    """Splits off the held-out week and fits ALS on the weeks before it.

    Id maps cover the whole log (customers first seen in the held-out week get empty rows), so
    the fitted factors can warm-start the published fit on all data. With `sample_customers`,
    a seeded random sample of that many held-out customers is scored (all when 0).
    """
    split = split_last_week(log, holdout_days)
    if 0 < sample_customers < len(split.truth):
        chosen = np.random.default_rng(SAMPLE_SEED).choice(
            sorted(split.truth), sample_customers, replace=False
        )
        split.truth = {int(customer): split.truth[int(customer)] for customer in chosen}
    customer_map, article_map = IdMap.of(log.customers), IdMap.of(log.articles)
    matrix = build_matrix(
        split.train,
        customers=customer_map,
        articles=article_map,
        half_life_days=matrix_half_life_days,
        reference_day=split.cutoff,
    )
    factors = fit_als(matrix, als, on_iteration=on_iteration)
    return HeldOutFit(split, factors, customer_map, article_map, matrix)


def score_held_out(fit: HeldOutFit, articles: ArticleTable, weights: BlendWeights) -> Evaluation:
    """MAP@12 of every recommender on the held-out week, from the held-out fit's factors."""
    split = fit.split
    predicted = predict_held_out(split, articles, fit.factors, fit.customer_map, fit.article_map, weights)
    customers = predicted.customers
    truth = Lists.of([split.truth[customer] for customer in customers.tolist()])
    # The truth's own order (a sample's random order), in which mean_average_precision sums.
    in_truth_order = np.searchsorted(customers, np.fromiter(split.truth, np.int64, len(split.truth)))
    metrics = {
        name: mean_in_order(average_precisions(truth, lists)[in_truth_order])
        for name, lists in predicted.lists.items()
    }
    metrics["eval_customers"] = float(len(split.truth))
    by_customer: dict[str, Mapping[int, list[int]]] = {
        name: ListsByCustomer(customers, lists) for name, lists in predicted.lists.items()
    }
    return Evaluation(metrics, fit.factors, fit.customer_map, fit.article_map, by_customer, split.truth)


@dataclass(frozen=True)
class HeldOutPredictions:
    """Twelve predictions per held-out customer from each recommender, keyed by metric name:
    list i of every `Lists` is customer `customers[i]`'s."""

    customers: np.ndarray  # int64 customer pks, sorted
    lists: dict[str, Lists]


def predict_held_out(
    split: Split,
    articles: ArticleTable,
    factors: Factors,
    customer_map: IdMap,
    article_map: IdMap,
    weights: BlendWeights,
) -> HeldOutPredictions:
    """Every recommender's predictions for each customer in `split.truth`."""
    customer_ids = np.array(sorted(split.truth), dtype=np.int64)
    customers = len(customer_ids)
    popular = np.array(popular_last_week(split.train, reference_day=split.cutoff, k=K), dtype=np.int64)
    trend = TrendTable.build(*trending_scores(split.train, reference_day=split.cutoff), articles)
    trending = np.array(trend.top_overall[:K], dtype=np.int64)
    history_owners, history_positions, history_weights = history_arrays(
        split.train,
        customer_ids,
        reference_day=split.cutoff,
        half_life_days=weights.buy_again_half_life_days,
        articles=articles,
    )
    owners = np.searchsorted(customer_ids, history_owners)  # index into customer_ids
    has_history = np.bincount(owners, minlength=customers) > 0
    rows = customer_map.positions(customer_ids)
    # ALS alone and the blend's ALS candidates, for the customers the fit knows and who bought
    # before the cutoff (the others get no ALS list and, in the blend, trending).
    known = np.flatnonzero((rows >= 0) & has_history)
    columns = top_by_affinity(factors, rows[known], max(weights.als_candidates, K))
    als = Lists(np.repeat(known, columns[:, :K].shape[1]), article_map.ids[columns[:, :K]].ravel(), customers)
    by_weight = best_first(owners, history_weights)  # ties in history order
    buy_again = by_weight[rank_within(owners[by_weight]) < K]
    buy_again_lists = Lists(owners[buy_again], articles.article_ids[history_positions[buy_again]], customers)
    blend_lists = _blend_lists(
        Histories(owners, history_positions, history_weights),
        known=known,
        vectors=factors.customers[rows[known]],
        # One lookup per ALS column, not one per candidate.
        candidates=articles.positions(article_map.ids)[columns[:, : weights.als_candidates]],
        model=BlendModel.build(articles, trend, factors.articles, article_map.ids),
        weights=weights,
        customers=customers,
    )
    everyone = np.arange(customers)
    lists = {
        "map12_popular_last_week": Lists.same_for(everyone, popular, customers),
        "map12_trending": Lists.same_for(everyone, trending, customers),
        "map12_buy_again": buy_again_lists,
        "map12_buy_again_popular": buy_again_lists.topped_up(popular, K),
        "map12_als_popular": als.topped_up(popular, K),
        "map12_als": als,
        # Cold start: the feed shows trending, exactly as serving does.
        "map12_blend": blend_lists.then(Lists.same_for(np.flatnonzero(~has_history), trending, customers)),
    }
    return HeldOutPredictions(customer_ids, lists)


def _blend_lists(
    histories: Histories,
    *,
    known: np.ndarray,
    vectors: np.ndarray,
    candidates: np.ndarray,
    model: BlendModel,
    weights: BlendWeights,
    customers: int,
) -> Lists:
    """The blend's K article ids for each of `customers` (histories.owners index them), scored
    BLEND_BATCH customers at a time. `known` customers have ALS `vectors` and `candidates`
    (catalogue positions, -1 for articles gone from the catalogue); the others no taste."""
    all_vectors = np.zeros((customers, model.article_factors.shape[1]), dtype=np.float32)
    all_vectors[known] = vectors
    candidate_owners = np.repeat(known, candidates.shape[1])
    candidates = candidates.ravel()
    candidate_owners, candidates = candidate_owners[candidates >= 0], candidates[candidates >= 0]
    owners, positions = [], []
    for start in range(0, customers, BLEND_BATCH):
        end = min(start + BLEND_BATCH, customers)
        entries = slice(*np.searchsorted(histories.owners, [start, end]))
        offered = slice(*np.searchsorted(candidate_owners, [start, end]))
        ranking = blend_many(
            Histories(
                histories.owners[entries] - start, histories.positions[entries], histories.weights[entries]
            ),
            vectors=all_vectors[start:end],
            candidate_owners=candidate_owners[offered] - start,
            als_candidates=candidates[offered],
            model=model,
            weights=weights,
            limit=K,
        )
        owners.append(ranking.owners + start)
        positions.append(ranking.positions)
    return Lists(
        np.concatenate([*owners, np.empty(0, np.int64)]),
        model.catalogue.article_ids[np.concatenate([*positions, np.empty(0, np.int64)])],
        customers,
    )


def refit_on_all_data(
    log: PurchaseLog,
    held_out: HeldOutFit,
    *,
    als: AlsParameters,
    iterations: int,
    matrix_half_life_days: float | None,
    on_iteration: IterationCallback | None = None,
) -> Factors:
    """The published model: continues the evaluation's fit on every purchase.

    Adding one week to months of history moves the factors a little, so a few warm-started
    iterations land where a full fit from scratch would, at a fraction of the cost.
    """
    matrix = all_data_matrix(log, held_out, half_life_days=matrix_half_life_days)
    return fit_als(matrix, als, warm_start=held_out.factors, iterations=iterations, on_iteration=on_iteration)


def all_data_matrix(log: PurchaseLog, held_out: HeldOutFit, *, half_life_days: float | None) -> csr_matrix:
    """`build_matrix` of the whole log, from the held-out fit's matrix: the training weeks decayed
    on to the last day (every weight shrinks by the same factor) plus the held-out week. One
    sparse addition instead of sorting every purchase again."""
    cutoff = held_out.split.cutoff
    shift = purchase_weights(np.array([cutoff]), reference_day=log.last_day, half_life_days=half_life_days)
    week = build_matrix(
        log.where(log.days > cutoff),
        customers=held_out.customer_map,
        articles=held_out.article_map,
        half_life_days=half_life_days,
        reference_day=log.last_day,
    )
    matrix = (held_out.matrix * shift[0] + week).tocsr()
    matrix.sort_indices()
    return matrix
