"""Trending: best sellers of the last days of the data with time decay, overall and per index group.

Training reads the purchases of the window (grouped in the database by article and day, so a
week of H&M's busiest trading is a few hundred thousand rows, not millions), weighs each sale by
0.5 ** (age in days / half-life), and publishes the ranking as an artifact:

    overall_ids.npy, overall_scores.npy     the top articles over every index group
    group_ids.npy, group_scores.npy         each index group's top articles, concatenated
    groups.json                             {"groups": {name: [start, end]}, the window, parameters}

`trending_articles` serves the active artifact, and falls back to a direct query (best sellers
of the last 7 days of the data) when none is active or it cannot be loaded.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max

from accounts.models import Purchase
from catalog.models import Article
from catalog.selectors import CARD_DEFERRED_FIELDS, best_selling_articles
from recommendations import serving
from recommendations.registry import ModelKind, TrainingContext, TrainingDataMissing
from recommendations.types import Recommendation, at_most_per_product

if TYPE_CHECKING:
    import numpy as np

KIND_NAME = "trending"
# "Trending now" is a week of sales (the H&M data's weekly rhythm; Kaggle's baseline uses the
# last week too); a 3-day half-life lets the last days count about four times the first.
DEFAULT_WINDOW_DAYS = 7
DEFAULT_HALF_LIFE_DAYS = 3.0
# Pages show at most a few dozen; keeping more lets callers filter and still fill a row.
DEFAULT_MAX_ARTICLES = 500
# Trending articles fetched per card a shelf shows: best sellers often come in several colours,
# of which a shelf shows only a few, so it needs more candidates than cards to fill its row.
CANDIDATES_PER_CARD = 3


@dataclass(frozen=True)
class TrendingModel:
    overall_ids: np.ndarray
    overall_scores: np.ndarray
    groups: dict[str, tuple[np.ndarray, np.ndarray]]
    window_end: str

    def top(self, index_group: str | None, limit: int) -> list[tuple[int, float]]:
        if index_group is None:
            ids, scores = self.overall_ids, self.overall_scores
        elif index_group in self.groups:
            ids, scores = self.groups[index_group]
        else:
            return []
        return [
            (int(article_id), float(score))
            for article_id, score in zip(ids[:limit], scores[:limit], strict=True)
        ]


def decayed_sales(
    article_ids: np.ndarray, ages_days: np.ndarray, sales: np.ndarray, *, half_life_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Trending's score, (article ids, scores): each sale weighs 0.5 ** (age / half-life), summed
    per article. The collaborative evaluation scores its trending baseline with this too."""
    import numpy as np

    weights = sales * np.power(0.5, ages_days / half_life_days)
    ids, inverse = np.unique(article_ids, return_inverse=True)
    return ids.astype(np.int64), np.bincount(inverse, weights=weights).astype(np.float32)


def train(ctx: TrainingContext) -> dict[str, float]:
    import numpy as np

    window_days = int(ctx.parameters["window_days"])
    half_life = float(ctx.parameters["half_life_days"])
    max_articles = int(ctx.parameters["max_articles"])
    if window_days < 1 or half_life <= 0 or max_articles < 1:
        raise ValueError("window_days and max_articles must be at least 1 and half_life_days above 0.")

    ctx.progress(5, "Finding the last day of sales")
    last_day = Purchase.objects.aggregate(last=Max("t_dat"))["last"]
    if last_day is None:
        raise TrainingDataMissing("There are no purchases yet: import transactions before training trending.")
    first_day = last_day - dt.timedelta(days=window_days - 1)

    ctx.progress(10, f"Reading sales from {first_day} to {last_day}")
    rows = list(
        Purchase.objects.filter(t_dat__gte=first_day, t_dat__lte=last_day)
        .values_list("article_id", "article__index_group_name", "t_dat")
        .annotate(sales=Count("id"))
        .order_by()
    )
    ctx.check_cancelled()

    ctx.progress(60, f"Scoring {len(rows)} article-days")
    article_ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    ages = np.fromiter(((last_day - row[2]).days for row in rows), dtype=np.float64, count=len(rows))
    sales = np.fromiter((row[3] for row in rows), dtype=np.float64, count=len(rows))
    unique_ids, scores = decayed_sales(article_ids, ages, sales, half_life_days=half_life)
    group_of = {row[0]: row[1] for row in rows}
    article_groups = np.array([group_of[int(article_id)] for article_id in unique_ids], dtype=object)

    overall_ids, overall_scores = _ranked(unique_ids, scores, max_articles)
    group_ids: list[np.ndarray] = []
    group_scores: list[np.ndarray] = []
    offsets: dict[str, list[int]] = {}
    start = 0
    for group in sorted(set(group_of.values())):
        ids, ranked_scores = _ranked(
            unique_ids[article_groups == group], scores[article_groups == group], max_articles
        )
        offsets[group] = [start, start + len(ids)]
        start += len(ids)
        group_ids.append(ids)
        group_scores.append(ranked_scores)
    ctx.check_cancelled()

    ctx.progress(90, "Writing the artifact")
    np.save(ctx.workdir / "overall_ids.npy", overall_ids)
    np.save(ctx.workdir / "overall_scores.npy", overall_scores)
    np.save(ctx.workdir / "group_ids.npy", np.concatenate(group_ids) if group_ids else np.zeros(0, np.int64))
    np.save(
        ctx.workdir / "group_scores.npy",
        np.concatenate(group_scores) if group_scores else np.zeros(0, np.float32),
    )
    (ctx.workdir / "groups.json").write_text(
        json.dumps(
            {
                "groups": offsets,
                "window_start": first_day.isoformat(),
                "window_end": last_day.isoformat(),
                "half_life_days": half_life,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return {
        "purchases_in_window": float(sales.sum()),
        "articles_ranked": float(len(unique_ids)),
        "index_groups": float(len(offsets)),
        "window_days": float(window_days),
    }


def _ranked(ids: np.ndarray, scores: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    # Highest score first; ties by article id so that a retrain on the same data is identical.
    order = np.lexsort((ids, -scores))[:limit]
    return ids[order].astype(np.int64), scores[order].astype(np.float32)


def load(folder: Path, manifest: dict[str, Any]) -> TrendingModel:
    import numpy as np

    meta = json.loads((folder / "groups.json").read_text(encoding="utf-8"))
    group_ids = np.load(folder / "group_ids.npy", allow_pickle=False)
    group_scores = np.load(folder / "group_scores.npy", allow_pickle=False)
    groups = {
        name: (group_ids[start:end], group_scores[start:end]) for name, (start, end) in meta["groups"].items()
    }
    return TrendingModel(
        overall_ids=np.load(folder / "overall_ids.npy", allow_pickle=False),
        overall_scores=np.load(folder / "overall_scores.npy", allow_pickle=False),
        groups=groups,
        window_end=meta["window_end"],
    )


KIND = ModelKind(
    name=KIND_NAME,
    label="Trending now",
    format_version=1,
    train=train,
    load=load,
    default_parameters={
        "window_days": DEFAULT_WINDOW_DAYS,
        "half_life_days": DEFAULT_HALF_LIFE_DAYS,
        "max_articles": DEFAULT_MAX_ARTICLES,
    },
    parameter_ranges={"window_days": (1, None), "half_life_days": (0.01, None), "max_articles": (1, None)},
)


def trending_reason(index_group: str | None) -> str:
    return f"Popular in {index_group} this week" if index_group else "Popular this week"


def trending_articles(index_group: str | None = None, limit: int = 12) -> list[Recommendation]:
    """Trending articles (of one index group, or overall), from the active model or the database."""
    model: TrendingModel | None = serving.active_model(KIND_NAME)
    if model is not None:
        # A few spare ids in case some articles were removed from the catalogue since training.
        ranked = model.top(index_group, limit + 8)
        # Cards never show the description or the search vector: do not fetch them per request.
        articles = (
            Article.objects.browsable()
            .defer(*CARD_DEFERRED_FIELDS)
            .in_bulk([article_id for article_id, _ in ranked])
        )
        reason = trending_reason(index_group)
        items = [
            Recommendation(article=articles[article_id], reason=reason, score=score)
            for article_id, score in ranked
            if article_id in articles
        ][:limit]
        if items:
            return items
    return best_sellers_last_week(index_group, limit)


def trending_products(index_group: str | None, limit: int, per_product: int) -> list[Recommendation]:
    """`limit` trending articles, at most `per_product` colours of any one product."""
    candidates = trending_articles(index_group, limit * CANDIDATES_PER_CARD)
    return at_most_per_product(candidates, per_product, limit)


def best_sellers_last_week(index_group: str | None, limit: int) -> list[Recommendation]:
    """The fallback: best sellers of the data's last 7 days, counted by a direct query."""
    reason = trending_reason(index_group)
    sold = best_selling_articles(index_group_name=index_group, limit=limit)
    if sold:
        return [Recommendation(article=article, reason=reason, score=float(count)) for article, count in sold]
    # No sales at all yet (a catalogue imported without transactions): the stored popularity order.
    articles = Article.objects.browsable().defer(*CARD_DEFERRED_FIELDS)
    if index_group:
        articles = articles.filter(index_group_name=index_group)
    return [
        Recommendation(article=article, reason=reason, score=article.popularity)
        for article in articles.filter(popularity__gt=0).order_by("-popularity", "article_id")[:limit]
    ]
