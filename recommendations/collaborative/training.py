"""One collaborative training run: database → evaluation → published fit → indexes → files.

`train(context)` is the `train` callable of the `collaborative` model kind: the registry gives it
an empty work folder, the run's parameters and progress/cancel hooks, and publishes the folder
when it returns the run's metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from recommendations.collaborative import ann, artifact
from recommendations.collaborative.als import Factors, fit_als
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.evaluation import (
    HeldOutFit,
    fit_held_out,
    refit_on_all_data,
    score_held_out,
    split_last_week,
)
from recommendations.collaborative.interactions import (
    IdMap,
    PurchaseLog,
    build_matrix,
    load_purchase_log,
    sorted_distinct,
)
from recommendations.collaborative.parameters import DEFAULT_PARAMETERS, AlsParameters, BlendWeights
from recommendations.collaborative.popularity import TrendTable, trending_scores
from recommendations.registry import TrainingDataMissing

logger = logging.getLogger(__name__)

# Queries sampled to measure each index's recall against exact search: 500 x 12 neighbours put
# the standard error of a recall near 0.97 at about 0.002.
RECALL_SAMPLE_QUERIES = 500


class Context(Protocol):
    """What the registry's TrainingContext offers a kind (recommendations.registry)."""

    workdir: Path
    parameters: dict[str, Any]

    def progress(self, percent: float, message: str) -> None: ...

    def check_cancelled(self) -> None: ...


class TrainingError(TrainingDataMissing):
    """The data cannot produce a model (no purchases at all): the message says what is missing."""


@dataclass
class Stage:
    """Maps a sub-task's own 0..1 progress onto a slice of the run's 0..100."""

    context: Context
    start: float
    end: float

    def __call__(self, fraction: float, message: str) -> None:
        self.context.progress(self.start + (self.end - self.start) * min(max(fraction, 0.0), 1.0), message)

    def iterations(self, label: str) -> Callable[[int, int], None]:
        def report(done: int, planned: int) -> None:
            self(done / max(planned, 1), f"{label}: ALS iteration {done}/{planned}")
            self.context.check_cancelled()

        return report


def train(context: Context) -> dict[str, float]:
    parameters = {**DEFAULT_PARAMETERS, **context.parameters}
    als = AlsParameters.from_mapping(parameters)
    weights = BlendWeights.from_mapping(parameters)
    half_life = float(parameters["matrix_half_life_days"]) or None
    timings: dict[str, float] = {}

    started = time.perf_counter()
    context.progress(0, "Reading purchases")
    log = load_purchase_log(progress=lambda rows: context.progress(1, f"Read {rows:,} purchases"))
    catalogue = ArticleTable.from_database()
    if not len(log):
        raise TrainingError("There are no purchases to learn from: import transactions_train.csv first.")
    timings["read_seconds"] = time.perf_counter() - started
    context.check_cancelled()

    metrics: dict[str, float] = {}
    started = time.perf_counter()
    held_out = _fit_held_out(log, als, half_life, parameters, Stage(context, 5, 45))
    if held_out is not None:
        customer_map, article_map = held_out.customer_map, held_out.article_map
    else:
        customer_map, article_map = IdMap.of(log.customers), IdMap.of(log.articles)

    def publish() -> tuple[Factors, dict[str, tuple[Any, ann.IndexReport]]]:
        """The published fit on all data and its three indexes."""
        started = time.perf_counter()
        if held_out is not None:
            factors = refit_on_all_data(
                log,
                held_out,
                als=als,
                iterations=int(parameters["publish_iterations"]),
                matrix_half_life_days=half_life,
                on_iteration=Stage(context, 55, 70).iterations("Training on all data"),
            )
        else:
            matrix = build_matrix(log, customers=customer_map, articles=article_map, half_life_days=half_life)
            factors = fit_als(
                matrix, als, on_iteration=Stage(context, 5, 70).iterations("Training on all data")
            )
        timings["publish_fit_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        indexes = build_indexes(
            factors,
            recent_customers=customer_map.positions(
                sorted_distinct(
                    log.customers[log.days > log.last_day - int(parameters["similar_customers_window_days"])]
                )
            ),
            target_recall=float(parameters["index_target_recall"]),
            progress=Stage(context, 70, 95),
        )
        timings["index_seconds"] = time.perf_counter() - started
        return factors, indexes

    if held_out is None:
        factors, indexes = publish()
    else:
        from threadpoolctl import threadpool_limits

        # The published fit and its indexes start from the held-out fit's factors, so they run
        # beside the scoring of the held-out week: implicit and hnswlib release the GIL and use
        # every core, the scoring (numpy, mostly one core) the rest. The run publishes only
        # after both, so the evaluation still comes first. BLAS stays at one thread throughout:
        # fit_als limits it too, and two threads entering and leaving their own limits would
        # leave it at whatever the last one restored.
        # Reported before the thread starts, so that its 55-95% never goes back to 45.
        context.progress(45, "Scoring the held-out week")
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=1) as pool:
            published = pool.submit(publish)
            evaluation = score_held_out(held_out, catalogue, weights)
            timings["evaluation_seconds"] = time.perf_counter() - started
            factors, indexes = published.result()
        metrics.update(evaluation.metrics)
        context.progress(95, f"Held-out MAP@12: blend {evaluation.metrics['map12_blend']:.4f}")

    report = indexes["article_index"][1]
    metrics.update(
        ann_recall12=report.recall,
        ann_speedup=report.speedup,
        also_bought_recall12=indexes["similar_article_index"][1].recall,
        customers_recall12=indexes["customer_index"][1].recall,
        customers=float(len(customer_map)),
        articles=float(len(article_map)),
        purchases=float(len(log)),
        **timings,
    )

    context.progress(95, "Writing the artifact")
    trend = TrendTable.build(*trending_scores(log, reference_day=log.last_day), catalogue)
    artifact.save(
        artifact.TrainedModel(
            customer_map=customer_map,
            article_map=article_map,
            factors=factors,
            indexes=indexes,
            catalogue=catalogue,
            trend=trend,
            weights=weights,
            alpha=als.alpha,
            regularization=als.regularization,
            matrix_half_life_days=half_life,
            reference_day=log.last_day,
            metrics=metrics,
        ),
        context.workdir,
    )
    return metrics  # training_run_finish reports 100% as it publishes (not a cancelled run)


def _fit_held_out(
    log: PurchaseLog, als: AlsParameters, half_life: float | None, parameters: dict[str, Any], stage: Stage
) -> HeldOutFit | None:
    if not parameters["evaluate"]:
        return None
    split = split_last_week(log)
    if not len(split.train) or not split.truth:
        logger.warning("Less than eight days of purchases: skipping the held-out evaluation")
        return None
    stage(0, "Evaluating on the last week")
    fit = fit_held_out(
        log,
        als=als,
        matrix_half_life_days=half_life,
        sample_customers=int(parameters["evaluation_customers"]),
        on_iteration=stage.iterations("Evaluation"),
    )
    stage.context.check_cancelled()
    return fit


def build_indexes(
    factors: Factors,
    *,
    recent_customers: np.ndarray,
    target_recall: float,
    progress: Callable[[float, str], None],
    seed: int = 42,
) -> dict[str, tuple[Any, ann.IndexReport]]:
    """The three HNSW indexes, each tuned on a sample of the queries it will serve."""
    rng = np.random.default_rng(seed)
    active = np.flatnonzero(np.linalg.norm(factors.customers, axis=1) > 0)
    recent = recent_customers[recent_customers >= 0]

    def sample(rows: np.ndarray) -> np.ndarray:
        return np.sort(rng.choice(rows, size=min(RECALL_SAMPLE_QUERIES, len(rows)), replace=False))

    progress(0.0, "Building the article index")
    article_index = ann.build_measured_index(
        factors.articles, factors.customers[sample(active)], space="ip", target_recall=target_recall
    )
    progress(0.4, "Building the also-bought index")
    similar = ann.build_measured_index(
        factors.articles,
        factors.articles[sample(np.arange(len(factors.articles)))],
        space="cosine",
        target_recall=target_recall,
    )
    progress(0.7, "Building the customers-like-you index")
    customers = ann.build_measured_index(
        factors.customers,
        factors.customers[sample(recent)],
        space="cosine",
        rows=recent,
        target_recall=target_recall,
    )
    return {"article_index": article_index, "similar_article_index": similar, "customer_index": customers}
