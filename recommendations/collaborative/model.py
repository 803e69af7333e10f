"""The loaded collaborative model: what a web process keeps in memory to serve the widgets.

Everything here is per-request cheap: an id lookup, one HNSW query, a few small matrix products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recommendations.collaborative import ann
from recommendations.collaborative.als import fold_in_customer
from recommendations.collaborative.blend import Affinity, BlendWeights
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.interactions import IdMap, purchase_weights
from recommendations.collaborative.popularity import TrendTable


def affinity_scorer(vector: np.ndarray, article_factors: np.ndarray, column_of: dict[int, int]) -> Affinity:
    """u·v for any article ids; 0 for articles the model has no factors for."""

    def scores(article_ids: Sequence[int]) -> np.ndarray:
        columns = np.fromiter((column_of.get(article_id, -1) for article_id in article_ids), dtype=np.int64)
        values = article_factors[np.maximum(columns, 0)] @ vector
        return np.where(columns >= 0, values, 0.0)

    return scores


@dataclass
class CollaborativeModel:
    version: str
    customer_map: IdMap
    article_map: IdMap
    customer_factors: np.ndarray  # memory-mapped: shared by every process on the machine
    article_factors: np.ndarray
    article_index: Any  # inner product: customer vector → articles (ALS scores)
    similar_article_index: Any  # cosine: article → articles ("customers also bought")
    customer_index: Any  # cosine over recently active customers ("customers like you")
    catalogue: ArticleTable
    trend: TrendTable
    weights: BlendWeights
    alpha: float
    regularization: float
    matrix_half_life_days: float | None
    reference_day: int
    metrics: dict[str, float] = field(default_factory=dict)
    _column_of: dict[int, int] | None = field(default=None, repr=False)
    _gramian: np.ndarray | None = field(default=None, repr=False)

    @property
    def column_of(self) -> dict[int, int]:
        if self._column_of is None:
            self._column_of = {
                int(article_id): i for i, article_id in enumerate(self.article_map.ids.tolist())
            }
        return self._column_of

    def customer_vector(
        self, customer_pk: int, article_ids: Sequence[int], days: Sequence[int]
    ) -> np.ndarray | None:
        """The customer's factors; folded in from their purchases when training never saw them."""
        row = self.customer_map.position(customer_pk)
        if row is not None:
            vector = np.asarray(self.customer_factors[row])
            if np.any(vector):
                return vector
        return self.fold_in(article_ids, days)

    def fold_in(self, article_ids: Sequence[int], days: Sequence[int]) -> np.ndarray | None:
        weights = purchase_weights(
            np.asarray(days, dtype=np.int32),
            reference_day=self.reference_day,
            half_life_days=self.matrix_half_life_days,
        )
        per_column: dict[int, float] = {}
        for article_id, weight in zip(article_ids, weights.tolist(), strict=True):
            column = self.column_of.get(int(article_id))
            if column is not None:
                per_column[column] = per_column.get(column, 0.0) + weight
        if not per_column:
            return None
        if self._gramian is None:
            factors = self.article_factors.astype(np.float64)
            self._gramian = factors.T @ factors
        return fold_in_customer(
            self.article_factors,
            self._gramian,
            np.fromiter(per_column.keys(), dtype=np.int64),
            np.fromiter(per_column.values(), dtype=np.float32),
            alpha=self.alpha,
            regularization=self.regularization,
        )

    def affinity(self, vector: np.ndarray) -> Affinity:
        return affinity_scorer(vector, self.article_factors, self.column_of)

    def als_candidates(self, vector: np.ndarray, count: int) -> list[int]:
        labels, _ = ann.query(self.article_index, vector, count)
        return self.article_map.ids[labels].tolist()

    def similar_articles(self, article_id: int, count: int) -> list[tuple[int, float]]:
        column = self.column_of.get(article_id)
        if column is None or not np.any(self.article_factors[column]):
            return []
        labels, similarities = ann.query(self.similar_article_index, self.article_factors[column], count + 1)
        return [
            (int(self.article_map.ids[label]), float(similarity))
            for label, similarity in zip(labels.tolist(), similarities.tolist(), strict=True)
            if label != column
        ][:count]

    def similar_customers(
        self, vector: np.ndarray, count: int, exclude_pk: int | None = None
    ) -> list[tuple[int, float]]:
        if self.customer_index is None or not np.any(vector):
            return []
        labels, similarities = ann.query(self.customer_index, vector, count + 1)
        return [
            (int(self.customer_map.ids[label]), float(similarity))
            for label, similarity in zip(labels.tolist(), similarities.tolist(), strict=True)
            if int(self.customer_map.ids[label]) != exclude_pk
        ][:count]
