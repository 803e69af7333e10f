"""What the shop derives from purchases for each article: price, first sale date, popularity.

- price: median price paid over the data's last PRICE_WINDOW_DAYS days, or over all of the
  article's sales when it sold nothing in that window (H&M's csv has no list price);
- first_sold_on: the article's first purchase;
- popularity: purchases over the data's last POPULARITY_WINDOW_DAYS days, each weighted by
  0.5 ** (days before the last day / POPULARITY_HALF_LIFE_DAYS), so yesterday's sales count most.
"The last day" is the newest purchase date in the data, not today: the data set is historical.
On PostgreSQL this is one UPDATE over aggregates; on SQLite (the demo) Python does the medians.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from django.db import connection

from accounts.models import Purchase
from catalog.models import Article

PRICE_WINDOW_DAYS = 30
POPULARITY_WINDOW_DAYS = 7
POPULARITY_HALF_LIFE_DAYS = 3.0

PURCHASES = Purchase._meta.db_table
ARTICLES = Article._meta.db_table


def refresh_article_stats() -> None:
    """Recomputes the three columns for every article; the caller holds the transaction."""
    if connection.vendor == "postgresql":
        _refresh_postgres()
    else:
        _refresh_in_python()


def _refresh_postgres() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH bounds AS (SELECT max(t_dat) AS last_day FROM {PURCHASES}),
            per_article AS (
                SELECT p.article_id, min(p.t_dat) AS first_sold_on,
                       sum(CASE WHEN p.t_dat > b.last_day - {POPULARITY_WINDOW_DAYS}
                                THEN power(0.5::float8,
                                           (b.last_day - p.t_dat)::float8 / {POPULARITY_HALF_LIFE_DAYS})
                                ELSE 0 END) AS popularity
                FROM {PURCHASES} p CROSS JOIN bounds b GROUP BY p.article_id),
            recent AS (
                SELECT p.article_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY p.price) AS price
                FROM {PURCHASES} p CROSS JOIN bounds b
                WHERE p.t_dat > b.last_day - {PRICE_WINDOW_DAYS} GROUP BY p.article_id),
            -- Articles with no recent sale: only their rows are sorted for the overall median.
            stale AS (SELECT article_id FROM per_article EXCEPT SELECT article_id FROM recent),
            overall AS (
                SELECT p.article_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY p.price) AS price
                FROM {PURCHASES} p JOIN stale ON stale.article_id = p.article_id
                GROUP BY p.article_id),
            stats AS (
                SELECT a.article_id, s.first_sold_on, coalesce(s.popularity, 0) AS popularity,
                       coalesce(r.price, o.price) AS price
                FROM {ARTICLES} a
                LEFT JOIN per_article s ON s.article_id = a.article_id
                LEFT JOIN recent r ON r.article_id = a.article_id
                LEFT JOIN overall o ON o.article_id = a.article_id)
            UPDATE {ARTICLES} a
            SET first_sold_on = s.first_sold_on, popularity = s.popularity, price = s.price
            FROM stats s
            WHERE a.article_id = s.article_id
              AND (a.first_sold_on, a.popularity, a.price)
                  IS DISTINCT FROM (s.first_sold_on, s.popularity, s.price)
            """
        )


def _refresh_in_python() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(t_dat) FROM {PURCHASES}")
        last = cursor.fetchone()[0]
        if last is None:
            cursor.execute(f"UPDATE {ARTICLES} SET first_sold_on = NULL, popularity = 0, price = NULL")
            return
        last_day = last if isinstance(last, dt.date) else dt.date.fromisoformat(str(last))

        cursor.execute(f"SELECT article_id, min(t_dat) FROM {PURCHASES} GROUP BY article_id")
        first_sold = {article_id: first for article_id, first in cursor.fetchall()}

        popularity: dict[int, float] = defaultdict(float)
        since = (last_day - dt.timedelta(days=POPULARITY_WINDOW_DAYS - 1)).isoformat()
        cursor.execute(
            f"SELECT article_id, t_dat, count(*) FROM {PURCHASES} "
            "WHERE t_dat >= %s GROUP BY article_id, t_dat",
            [since],
        )
        for article_id, day, count in cursor.fetchall():
            days_before = (last_day - dt.date.fromisoformat(str(day))).days
            popularity[article_id] += count * 0.5 ** (days_before / POPULARITY_HALF_LIFE_DAYS)

        recent_since = (last_day - dt.timedelta(days=PRICE_WINDOW_DAYS - 1)).isoformat()
        prices = _medians(cursor, f"WHERE t_dat >= '{recent_since}'")
        for article_id, price in _medians(cursor, "").items():
            prices.setdefault(article_id, price)

        cursor.execute(f"SELECT article_id FROM {ARTICLES}")
        updates = [
            (prices.get(article_id), first_sold.get(article_id), popularity.get(article_id, 0.0), article_id)
            for (article_id,) in cursor.fetchall()
        ]
        cursor.executemany(
            f"UPDATE {ARTICLES} SET price = %s, first_sold_on = %s, popularity = %s WHERE article_id = %s",
            updates,
        )


def _medians(cursor: Any, where: str) -> dict[int, float]:
    cursor.execute(f"SELECT article_id, price FROM {PURCHASES} {where} ORDER BY article_id")
    by_article: dict[int, list[float]] = defaultdict(list)
    for article_id, price in cursor.fetchall():
        by_article[article_id].append(price)
    return {article_id: statistics.median(values) for article_id, values in by_article.items()}
