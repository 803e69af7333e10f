"""Popularity signals over a purchase log: last week's best sellers and time-decayed trending.

Both are baselines in the evaluation; trending is also a component of the blend. They take the
log and a reference day so that the evaluation can compute them "as of" the end of training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommendations import trending
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.interactions import PurchaseLog

WEEK_DAYS = 7
# Trending means one thing in the shop: the trending kind's recipe (recommendations.trending),
# sales of the data's last week halving every three days. The evaluation's trending baseline
# and the blend's trending signal use the same window and half-life.
TRENDING_WINDOW_DAYS = trending.DEFAULT_WINDOW_DAYS
TRENDING_HALF_LIFE_DAYS = trending.DEFAULT_HALF_LIFE_DAYS
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
    ages = (reference_day - log.days[recent]).astype(np.float64)
    return trending.decayed_sales(
        log.articles[recent], ages, np.ones(len(ages)), half_life_days=half_life_days
    )


@dataclass(frozen=True)
class TrendTable:
    """Trending scores per catalogue position, scaled to [0, 1] by the best seller, and the top
    positions of each index group (the blend's trending candidates)."""

    scores: np.ndarray  # float32, one per catalogue position
    top_overall: list[int]  # article ids, best first
    top_by_group: dict[int, np.ndarray]  # group code -> catalogue positions, best first

    @classmethod
    def build(
        cls,
        article_ids: np.ndarray,
        scores: np.ndarray,
        articles: ArticleTable,
        per_group: int = TRENDING_CANDIDATES_PER_GROUP,
    ) -> TrendTable:
        by_position = np.zeros(len(articles), dtype=np.float32)
        positions = articles.positions(article_ids)
        known = positions >= 0  # articles no longer in the catalogue cannot be shown anyway
        by_position[positions[known]] = scores[known]
        best = float(by_position.max(initial=0.0))
        if best > 0:
            by_position /= best
        ranked = np.lexsort((articles.article_ids, -by_position))
        ranked = ranked[by_position[ranked] > 0]
        groups = articles.group_codes[ranked]
        return cls(
            scores=by_position,
            top_overall=articles.article_ids[ranked[:per_group]].tolist(),
            top_by_group={int(group): ranked[groups == group][:per_group] for group in np.unique(groups)},
        )

    def arrays(self, articles: ArticleTable) -> tuple[np.ndarray, np.ndarray]:
        """(article ids, scaled scores) of the articles that sold: what the artifact stores."""
        sold = np.flatnonzero(self.scores > 0)
        return articles.article_ids[sold], self.scores[sold]
