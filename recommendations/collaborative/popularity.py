"""Popularity signals over a purchase log: last week's best sellers and time-decayed trending.

Both are baselines in the evaluation; trending is also a component of the blend. They take the
log and a reference day so that the evaluation can compute them "as of" the end of training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.interactions import PurchaseLog, purchase_weights

WEEK_DAYS = 7
# Trending: purchases of the last four weeks, halving every three days. Fast-fashion sales fade
# within weeks; a three-day half-life keeps this week's launches on top without the noise of
# one day.
TRENDING_WINDOW_DAYS = 28
TRENDING_HALF_LIFE_DAYS = 3.0
# How many trending articles per index group the blend considers as candidates.
TRENDING_CANDIDATES_PER_GROUP = 60


def popular_last_week(log: PurchaseLog, *, reference_day: int, k: int) -> list[int]:
    """The k best-selling article ids of the 7 days ending on `reference_day` (inclusive)."""
    recent = log.articles[(log.days > reference_day - WEEK_DAYS) & (log.days <= reference_day)]
    ids, counts = np.unique(recent, return_counts=True)
    order = np.lexsort((ids, -counts))[:k]  # ties broken by id so the list is deterministic
    return [int(article_id) for article_id in ids[order]]


def trending_scores(
    log: PurchaseLog,
    *,
    reference_day: int,
    window_days: int = TRENDING_WINDOW_DAYS,
    half_life_days: float = TRENDING_HALF_LIFE_DAYS,
) -> tuple[np.ndarray, np.ndarray]:
    """(article ids, scores): time-decayed sales in the window ending on `reference_day`."""
    recent = (log.days > reference_day - window_days) & (log.days <= reference_day)
    weights = purchase_weights(log.days[recent], reference_day=reference_day, half_life_days=half_life_days)
    ids, inverse = np.unique(log.articles[recent], return_inverse=True)
    scores = np.bincount(inverse, weights=weights, minlength=len(ids)).astype(np.float32)
    return ids.astype(np.int64), scores


@dataclass(frozen=True)
class TrendTable:
    """Trending scores scaled to [0, 1] by the best seller, and the top articles of each group."""

    scores: dict[int, float]
    top_overall: list[int]
    top_by_group: dict[int, list[int]]

    @classmethod
    def build(
        cls,
        article_ids: np.ndarray,
        scores: np.ndarray,
        articles: ArticleTable,
        per_group: int = TRENDING_CANDIDATES_PER_GROUP,
    ) -> TrendTable:
        if not len(article_ids):
            return cls({}, [], {})
        order = np.lexsort((article_ids, -scores))
        ranked_ids = article_ids[order]
        ranked = scores[order] / max(float(scores[order[0]]), 1e-12)
        top_by_group: dict[int, list[int]] = {}
        for article_id in ranked_ids.tolist():
            group = articles.group(article_id)
            if group is None:
                continue
            members = top_by_group.setdefault(group, [])
            if len(members) < per_group:
                members.append(article_id)
        return cls(
            scores=dict(zip(ranked_ids.tolist(), ranked.astype(float).tolist(), strict=True)),
            top_overall=ranked_ids[:per_group].tolist(),
            top_by_group=top_by_group,
        )

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        ids = np.fromiter(self.scores.keys(), dtype=np.int64, count=len(self.scores))
        values = np.fromiter(self.scores.values(), dtype=np.float32, count=len(self.scores))
        return ids, values
