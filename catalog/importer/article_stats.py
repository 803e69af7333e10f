"""What the shop derives from purchases for each article: price, first sale date, popularity.

- price: median price paid over the data's last PRICE_WINDOW_DAYS days, or over all of the
  article's sales when it sold nothing in that window (H&M's csv has no list price);
- first_sold_on: the article's first purchase;
- popularity: purchases over the data's last POPULARITY_WINDOW_DAYS days, each weighted by
  0.5 ** (days before the last day / POPULARITY_HALF_LIFE_DAYS), so yesterday's sales count most.
An article that never sold is priced as its product's other colours are (the median of the
prices of those that sold: H&M prices a product the same in every colour), so a shopper sees a
price on it; its first_sold_on stays empty, which is how staff and the API tell such a price
apart. A product none of whose colours sold has no price.
"The last day" is the newest purchase date in the data, not today: the data set is historical.
On PostgreSQL the figures are gathered in a temporary table, then one UPDATE writes those that
changed; on SQLite (the demo) Python does the medians.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from django.db import connection

from accounts.models import Purchase
from catalog.models import Article

PRICE_WINDOW_DAYS = 30
POPULARITY_WINDOW_DAYS = 7
POPULARITY_HALF_LIFE_DAYS = 3.0

PURCHASES = Purchase._meta.db_table
ARTICLES = Article._meta.db_table
STATS = "hm_import_article_stats"


def refresh_article_stats(
    changed_dates: Collection[dt.date] | None = None, *, purchases: str = PURCHASES
) -> None:
    """Recomputes the three columns for every article; the caller holds the transaction.

    changed_dates: the purchase dates whose rows the caller replaced or added (None: all of them).
    Only first_sold_on uses it; price and popularity depend on the data's last day, which any
    load can move, and are recomputed from the recent rows every time.
    """
    if connection.vendor == "postgresql":
        _refresh_postgres(changed_dates, purchases)
    else:
        _refresh_in_python()


def _refresh_postgres(changed_dates: Collection[dt.date] | None, purchases: str) -> None:
    """Per-article figures into a temporary table, then one UPDATE of the articles that differ.

    Each figure reads only the rows it needs: price and popularity the data's last
    PRICE_WINDOW_DAYS days through the date index (no per-row weight over the whole table), the
    overall median only the rows of articles not sold in that window, first_sold_on only the
    changed dates' rows (so a weekly file no longer scans the whole table for it; a first or
    full import still does).
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(t_dat) FROM {purchases}")
        last_day = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STATS}")
        if last_day is None:
            cursor.execute(
                f"CREATE TEMP TABLE {STATS} (article_id bigint PRIMARY KEY, first_sold_on date, "
                "popularity float8 NOT NULL DEFAULT 0, price float8) ON COMMIT DROP"
            )
        else:
            # CREATE TABLE AS, not INSERT ... SELECT: only the former lets the scan of the
            # purchases run on parallel workers (0.51 s -> 0.39 s over 2.8M purchases).
            cursor.execute(
                f"""
                CREATE TEMP TABLE {STATS} ON COMMIT DROP AS
                WITH recent AS (
                    SELECT article_id,
                           {_popularity_sql()} AS popularity,
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY price) AS price
                    FROM {purchases} WHERE t_dat > %(last_day)s::date - {PRICE_WINDOW_DAYS}
                    GROUP BY article_id),
                first_sales AS ({_first_sales_sql(changed_dates, purchases)})
                SELECT article_id, f.first_sold_on, coalesce(r.popularity, 0) AS popularity, r.price
                FROM first_sales f FULL JOIN recent r USING (article_id)
                """,
                {"last_day": last_day, "dates": sorted(changed_dates or ())},
            )
            cursor.execute(f"ALTER TABLE {STATS} ADD PRIMARY KEY (article_id)")
            # Articles not sold lately: the median of all their sales. As an array, the planner
            # reads just their rows through the article index (a bitmap scan, in table order);
            # as IN (subquery) it hashed them and scanned the whole table: 0.34 s -> 0.12 s here.
            cursor.execute(
                f"""
                UPDATE {STATS} s SET price = o.price
                FROM (SELECT p.article_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY p.price) AS price
                      FROM {purchases} p
                      WHERE p.article_id = ANY(ARRAY(SELECT article_id FROM {STATS} WHERE price IS NULL))
                      GROUP BY p.article_id) o
                WHERE o.article_id = s.article_id
                """
            )
            # Articles that never sold: the median of their sold colours' prices, in one
            # statement over the articles (105k at full scale), not over the purchases.
            cursor.execute(
                f"""
                INSERT INTO {STATS} AS s (article_id, popularity, price)
                SELECT a.article_id, 0, c.price
                FROM {ARTICLES} a
                JOIN (SELECT sold.product_code,
                             percentile_cont(0.5) WITHIN GROUP (ORDER BY st.price) AS price
                      FROM {STATS} st JOIN {ARTICLES} sold USING (article_id)
                      WHERE st.price IS NOT NULL
                      GROUP BY sold.product_code) c USING (product_code)
                LEFT JOIN {STATS} own USING (article_id)
                WHERE own.price IS NULL
                ON CONFLICT (article_id) DO UPDATE SET price = excluded.price
                """
            )
        new_values = (
            f"SELECT a.article_id, s.first_sold_on, coalesce(s.popularity, 0) AS popularity, s.price "
            f"FROM {ARTICLES} a LEFT JOIN {STATS} s USING (article_id)"
        )
        differs = (
            "(a.first_sold_on, a.popularity, a.price) "
            "IS DISTINCT FROM (n.first_sold_on, n.popularity, n.price)"
        )
        # In place: setting the articles' indexes aside (their search document's GIN among
        # them) and rebuilding them measured slower than updating through them, even for every row.
        cursor.execute(
            f"""
            UPDATE {ARTICLES} a
            SET first_sold_on = n.first_sold_on, popularity = n.popularity, price = n.price
            FROM ({new_values}) n
            WHERE a.article_id = n.article_id AND {differs}
            """
        )
        if cursor.rowcount:
            # The statistics the articles' load took said "popularity is 0" for every article, so
            # the planner ignored the popularity index the shelves sort by until autovacuum came
            # (never, where it is off): at full scale the articles API's SQL took 471 ms, not 1.
            cursor.execute(f"ANALYZE {ARTICLES}")


def _popularity_sql() -> str:
    """Sales per day of the window (exact counts) times the day's weight, summed in a fixed order.

    A plain sum of per-row weights would depend on the order rows are read (index or table scan),
    and a re-import would then change the last digit of some articles' popularity.
    """
    return " + ".join(
        f"count(*) FILTER (WHERE t_dat = %(last_day)s::date - {days_before})"
        f" * power(0.5::float8, {days_before}::float8 / {POPULARITY_HALF_LIFE_DAYS})"
        for days_before in range(POPULARITY_WINDOW_DAYS)
    )


def _first_sales_sql(changed_dates: Collection[dt.date] | None, purchases: str) -> str:
    """(article_id, first_sold_on) of every article with a purchase, as SQL.

    With changed dates, the stored first_sold_on stands for the unchanged rows (the importer is
    the only writer of purchases and of this column), unless it is one of the changed dates: then
    the article's unchanged rows are looked up through the article index (a few articles).
    `min(t_dat + 0)`, not `min(t_dat)`: the planner turns the latter into "walk the date index
    from the oldest day until a row of this article turns up", most of the table for an article
    first sold lately (a weekly file of the benchmark took 80 s instead of 0.1 s).
    """
    if changed_dates is None:
        return f"SELECT article_id, min(t_dat) AS first_sold_on FROM {purchases} GROUP BY article_id"
    return f"""
        SELECT a.article_id,
               least(n.first_sold_on,
                     CASE WHEN a.first_sold_on = ANY(%(dates)s::date[])
                          THEN (SELECT min(p.t_dat + 0) FROM {purchases} p
                                WHERE p.article_id = a.article_id AND p.t_dat <> ALL(%(dates)s::date[]))
                          ELSE a.first_sold_on END) AS first_sold_on
        FROM {ARTICLES} a
        LEFT JOIN (SELECT article_id, min(t_dat) AS first_sold_on FROM {purchases}
                   WHERE t_dat = ANY(%(dates)s::date[]) GROUP BY article_id) n USING (article_id)
        WHERE n.first_sold_on IS NOT NULL OR a.first_sold_on IS NOT NULL
        """


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

        cursor.execute(f"SELECT article_id, product_code FROM {ARTICLES}")
        product_codes = dict(cursor.fetchall())
        product_prices = medians_by(
            (product_codes[article_id], price)
            for article_id, price in prices.items()
            if article_id in product_codes
        )
        updates = [
            (
                prices.get(article_id, product_prices.get(product_code)),
                first_sold.get(article_id),
                popularity.get(article_id, 0.0),
                article_id,
            )
            for article_id, product_code in product_codes.items()
        ]
        cursor.executemany(
            f"UPDATE {ARTICLES} SET price = %s, first_sold_on = %s, popularity = %s WHERE article_id = %s",
            updates,
        )


def _medians(cursor: Any, where: str) -> dict[int, float]:
    cursor.execute(f"SELECT article_id, price FROM {PURCHASES} {where} ORDER BY article_id")
    return medians_by(cursor.fetchall())


def medians_by(pairs: Iterable[tuple[int, float | None]]) -> dict[int, float]:
    """The median of each key's values, None left out (a price never set): per article, its
    purchases' prices; per product, its sold colours' (as percentile_cont(0.5) on PostgreSQL)."""
    groups: dict[int, list[float]] = defaultdict(list)
    for key, value in pairs:
        if value is not None:
            groups[key].append(value)
    return {key: statistics.median(values) for key, values in groups.items()}
