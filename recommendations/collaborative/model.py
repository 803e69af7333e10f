"""The loaded collaborative model: what a web process keeps in memory to serve the widgets.

Everything here is per-request cheap: an id lookup, one HNSW query, a few small matrix products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from recommendations.collaborative import ann
from recommendations.collaborative.als import fold_in_customer
from recommendations.collaborative.blend import BlendModel, BlendWeights
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.interactions import IdMap, purchase_weights


@dataclass
class CollaborativeModel:
    version: str
    customer_map: IdMap
    article_map: IdMap  # ALS column -> article id
    customer_factors: np.ndarray  # memory-mapped: shared by every process on the machine
    article_index: Any  # inner product: customer vector -> articles (ALS scores)
    similar_article_index: Any  # cosine: article -> articles ("customers also bought")
    customer_index: Any  # cosine over recently active customers ("customers like you")
    blend_model: BlendModel
    weights: BlendWeights
    alpha: float
    regularization: float
    matrix_half_life_days: float | None
    reference_day: int
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def catalogue(self) -> ArticleTable:
        return self.blend_model.catalogue

    @property
    def article_factors(self) -> np.ndarray:
        return self.blend_model.article_factors

    @cached_property
    def position_of_column(self) -> np.ndarray:
        """Catalogue position of each ALS column (-1 for articles gone from the catalogue)."""
        return self.catalogue.positions(self.article_map.ids)

    @cached_property
    def _gramian(self) -> np.ndarray:
        factors = self.article_factors.astype(np.float64)
        return factors.T @ factors

    def customer_vector(
        self, customer_pk: int, article_ids: Sequence[int], days: Sequence[int]
    ) -> np.ndarray | None:
        """The customer's factors: as trained, or folded in from their purchases when training never
        saw them or they bought since (transactions imported after the last retrain), so that the
        feed follows a new purchase at once. A fold-in is the step ALS itself takes for a customer,
        on the final article factors."""
        row = self.customer_map.position(customer_pk)
        trained = None if row is None else np.asarray(self.customer_factors[row])
        if trained is not None and not np.any(trained):
            trained = None
        if trained is not None and not any(day > self.reference_day for day in days):
            return trained
        folded = self.fold_in(article_ids, days)
        return folded if folded is not None else trained  # articles newer than the model: not foldable

    def fold_in(self, article_ids: Sequence[int], days: Sequence[int]) -> np.ndarray | None:
        columns = self.article_map.positions(np.asarray(article_ids, dtype=np.int64)).astype(np.int64)
        weights = purchase_weights(
            np.asarray(days, dtype=np.int32),
            reference_day=self.reference_day,
            half_life_days=self.matrix_half_life_days,
        )
        known = columns >= 0
        if not known.any():
            return None
        unique, inverse = np.unique(columns[known], return_inverse=True)
        summed = np.bincount(inverse, weights=weights[known]).astype(np.float32)
        return fold_in_customer(
            self.article_factors,
            self._gramian,
            unique,
            summed,
            alpha=self.alpha,
            regularization=self.regularization,
        )

    def als_candidates(self, vector: np.ndarray, count: int) -> np.ndarray:
        """Catalogue positions of the articles with the highest u.v (through the HNSW index)."""
        columns, _ = ann.query(self.article_index, vector, count)
        positions = self.position_of_column[columns]
        return positions[positions >= 0]

    def similar_articles(self, article_id: int, count: int) -> list[tuple[int, float]]:
        column = self.article_map.position(article_id)
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
