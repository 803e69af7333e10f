"""Implicit-feedback ALS (Hu, Koren & Volinsky 2008) through the `implicit` library.

`implicit` parallelises over users/items itself; a multithreaded BLAS underneath it only adds
contention (implicit warns about it), so BLAS is held to one thread while fitting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from recommendations.collaborative.parameters import AlsParameters

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

logger = logging.getLogger(__name__)

IterationCallback = Callable[[int, int], None]  # (iterations done, iterations planned)


@dataclass
class Factors:
    """Row i of `customers` ↔ matrix row i; row j of `articles` ↔ matrix column j (float32)."""

    customers: np.ndarray
    articles: np.ndarray


def gpu_available() -> bool:
    import implicit.gpu

    return bool(implicit.gpu.HAS_CUDA)


def fit_als(
    matrix: csr_matrix,
    parameters: AlsParameters,
    *,
    on_iteration: IterationCallback | None = None,
    warm_start: Factors | None = None,
    iterations: int | None = None,
) -> Factors:
    """Fits ALS on a customers x articles weight matrix and returns float32 factors.

    `warm_start` continues from earlier factors of the same shape (a refit on slightly more
    data converges in a few iterations instead of a full run).
    """
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    use_gpu = gpu_available() if parameters.use_gpu is None else parameters.use_gpu
    planned = parameters.iterations if iterations is None else iterations

    def callback(iteration: int, elapsed: float, loss: float | None) -> None:
        logger.debug("ALS iteration %d/%d took %.2fs", iteration + 1, planned, elapsed)
        if on_iteration:
            on_iteration(iteration + 1, planned)

    with threadpool_limits(limits=1, user_api="blas"):
        model = AlternatingLeastSquares(
            factors=parameters.factors,
            regularization=parameters.regularization,
            alpha=parameters.alpha,
            iterations=planned,
            random_state=parameters.random_state,
            use_gpu=use_gpu,
        )
        if warm_start is not None:
            _set_factors(model, warm_start, use_gpu)
        model.fit(matrix, show_progress=False, callback=callback)
    if use_gpu:
        model = model.to_cpu()
    return Factors(
        customers=np.ascontiguousarray(model.user_factors, dtype=np.float32),
        articles=np.ascontiguousarray(model.item_factors, dtype=np.float32),
    )


def _set_factors(model: Any, factors: Factors, use_gpu: bool) -> None:
    if use_gpu:
        import implicit.gpu

        model.user_factors = implicit.gpu.Matrix(factors.customers)
        model.item_factors = implicit.gpu.Matrix(factors.articles)
    else:
        model.user_factors = factors.customers.copy()
        model.item_factors = factors.articles.copy()


def fold_in_customer(
    article_factors: np.ndarray,
    gramian: np.ndarray,
    columns: np.ndarray,
    weights: np.ndarray,
    *,
    alpha: float,
    regularization: float,
) -> np.ndarray:
    """The ALS customer vector for a purchase history the model has not seen (one exact solve).

    Solves (YᵀY + Yᵤᵀ(Cᵤ - I)Yᵤ + λI) x = Yᵤᵀ Cᵤ p(u), the same least-squares step ALS runs per
    customer, with confidence c = alpha x weight as in `implicit`. `gramian` is YᵀY, precomputed.
    """
    if columns.size == 0:
        return np.zeros(article_factors.shape[1], dtype=np.float32)
    items = article_factors[columns].astype(np.float64)
    confidence = alpha * weights.astype(np.float64)
    lhs = gramian + (items.T * (confidence - 1.0)) @ items + regularization * np.eye(items.shape[1])
    rhs = items.T @ confidence
    return np.linalg.solve(lhs, rhs).astype(np.float32)
