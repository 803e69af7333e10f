"""The held-out week: MAP@12 of the baselines and of the blend (the Kaggle protocol).

Train on everything up to `cutoff` (the last day minus 7), predict 12 articles for every customer
who bought in the 7 days after it, score with MAP@12. Baselines: last week's best sellers for
everyone, trending for everyone, buy-again alone, ALS alone; then the blend served as "For you".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from recommendations.collaborative.als import AlsParameters, Factors, IterationCallback, fit_als
from recommendations.collaborative.blend import BlendModel, BlendWeights, History, blend
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.interactions import IdMap, PurchaseLog, build_matrix, purchase_weights
from recommendations.collaborative.metrics import K, mean_average_precision
from recommendations.collaborative.popularity import TrendTable, popular_last_week, trending_scores

HOLDOUT_DAYS = 7
SAMPLE_SEED = 42
# Customers scored per matrix product when ranking every article by ALS (bounds memory at
# H&M scale: 512 x 105k floats ≈ 200 MB).
SCORING_BATCH = 512


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
    chosen = log.where(np.isin(log.customers, np.asarray(customers, dtype=np.int32)))
    positions = articles.positions(chosen.articles)
    chosen = chosen.where(positions >= 0)
    positions = positions[positions >= 0]
    weights = purchase_weights(chosen.days, reference_day=reference_day, half_life_days=half_life_days)
    # One row per (customer, article): summed weight and the last day it was bought.
    order = np.lexsort((positions, chosen.customers))
    pair_customers, pair_positions = chosen.customers[order], positions[order]
    starts = np.flatnonzero(
        np.r_[True, (pair_customers[1:] != pair_customers[:-1]) | (pair_positions[1:] != pair_positions[:-1])]
    )
    if not starts.size:
        return {}
    summed = np.add.reduceat(weights[order], starts).astype(np.float32)
    last = np.maximum.reduceat(chosen.days[order], starts)
    pair_customers, pair_positions = pair_customers[starts], pair_positions[starts]
    newest_first = np.lexsort((pair_positions, -last, pair_customers))
    pair_customers, pair_positions, summed = (
        pair_customers[newest_first],
        pair_positions[newest_first],
        summed[newest_first],
    )
    bounds = np.flatnonzero(np.r_[True, pair_customers[1:] != pair_customers[:-1], True])
    return {
        int(pair_customers[start]): History(pair_positions[start:end], summed[start:end])
        for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    }


def top_by_affinity(factors: Factors, rows: np.ndarray, k: int) -> dict[int, np.ndarray]:
    """Exact top-k ALS columns by u.v for the given matrix rows (row -> columns, best first)."""
    result: dict[int, np.ndarray] = {}
    k = min(k, factors.articles.shape[0])
    for start in range(0, len(rows), SCORING_BATCH):
        batch = rows[start : start + SCORING_BATCH]
        scores = factors.customers[batch] @ factors.articles.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
        best = np.take_along_axis(top, order, axis=1)
        for row, columns in zip(batch.tolist(), best, strict=True):
            result[row] = columns
    return result


@dataclass
class Evaluation:
    metrics: dict[str, float]
    factors: Factors  # fitted on the training weeks, in the id space of the full log
    customer_map: IdMap
    article_map: IdMap


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
    """Fits ALS on the training weeks and scores every recommender on the held-out week.

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
    if check:
        check()
    predictions = predict_held_out(split, articles, factors, customer_map, article_map, weights)
    metrics = {
        name: mean_average_precision(split.truth, predicted) for name, predicted in predictions.items()
    }
    metrics["eval_customers"] = float(len(split.truth))
    return Evaluation(metrics, factors, customer_map, article_map)


def predict_held_out(
    split: Split,
    articles: ArticleTable,
    factors: Factors,
    customer_map: IdMap,
    article_map: IdMap,
    weights: BlendWeights,
) -> dict[str, dict[int, list[int]]]:
    """Twelve predictions per held-out customer from each recommender, keyed by metric name."""
    customers = sorted(split.truth)
    popular = popular_last_week(split.train, reference_day=split.cutoff, k=K)
    trend = TrendTable.build(*trending_scores(split.train, reference_day=split.cutoff), articles)
    trending = trend.top_overall[:K]
    model = BlendModel.build(articles, trend, factors.articles, article_map.ids)
    histories = histories_from_log(
        split.train,
        customers,
        reference_day=split.cutoff,
        half_life_days=weights.buy_again_half_life_days,
        articles=articles,
    )
    rows = customer_map.positions(np.asarray(customers))
    candidates = top_by_affinity(factors, rows[rows >= 0], max(weights.als_candidates, K))
    position_of_column = articles.positions(article_map.ids)

    predictions: dict[str, dict[int, list[int]]] = {
        "map12_popular_last_week": {},
        "map12_trending": {},
        "map12_buy_again": {},
        "map12_als": {},
        "map12_blend": {},
    }
    for customer, row in zip(customers, rows.tolist(), strict=True):
        history = histories.get(customer, History.empty())
        predictions["map12_popular_last_week"][customer] = popular
        predictions["map12_trending"][customer] = trending
        by_weight = history.positions[np.argsort(-history.weights, kind="stable")[:K]]
        predictions["map12_buy_again"][customer] = articles.article_ids[by_weight].tolist()
        columns = candidates[row] if row >= 0 and len(history) else _NO_COLUMNS
        predictions["map12_als"][customer] = article_map.ids[columns[:K]].tolist()
        if not len(history):
            # Cold start: the feed shows trending, exactly as serving does.
            predictions["map12_blend"][customer] = trending
            continue
        ranked = blend(
            history,
            vector=factors.customers[row] if row >= 0 else None,
            als_candidates=_known(position_of_column[columns[: weights.als_candidates]]),
            model=model,
            weights=weights,
            limit=K,
        )
        predictions["map12_blend"][customer] = [item.article_id for item in ranked]
    return predictions


_NO_COLUMNS = np.empty(0, np.int64)


def _known(positions: np.ndarray) -> np.ndarray:
    return positions[positions >= 0]


def refit_on_all_data(
    log: PurchaseLog,
    evaluation: Evaluation,
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
    matrix = build_matrix(
        log,
        customers=evaluation.customer_map,
        articles=evaluation.article_map,
        half_life_days=matrix_half_life_days,
        reference_day=log.last_day,
    )
    return fit_als(
        matrix, als, warm_start=evaluation.factors, iterations=iterations, on_iteration=on_iteration
    )
