"""transactions_train.csv → accounts.Purchase: the dates in the file replace what was stored for them.

PostgreSQL goes through purchases_postgres (COPY, bulk index handling); SQLite, for the demo,
parses in Python and inserts in batches. Either way the file is one transaction, and the
articles' derived statistics are refreshed inside it. Purchases of erased customers are skipped
(erased_customers).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from accounts.models import Customer, Purchase
from catalog.importer import erased_customers, purchases_postgres, table_swap
from catalog.importer.article_stats import refresh_article_stats
from catalog.importer.csv_files import estimate_rows, parsed_rows, read_header
from catalog.importer.errors import ImportInputError
from catalog.importer.report import FileReport
from catalog.importer.schema import TRANSACTIONS, Column
from catalog.models import Article
from catalog.progress import Progress

TABLE = Purchase._meta.db_table
SQLITE_BATCH = 10_000


def import_transactions(
    path: Path, *, progress: Progress, timings: dict[str, float] | None = None
) -> FileReport:
    started = time.monotonic()
    timings = timings if timings is not None else {}
    columns = read_header(path, TRANSACTIONS)
    postgres = connection.vendor == "postgresql"
    if postgres:
        _drop_replaced_tables()  # left by an import that stopped between its commit and the drop
    swap: table_swap.Swap | None = None
    with transaction.atomic():
        changed_dates: set[dt.date] | None = None
        purchases = TABLE
        if postgres:
            loaded = purchases_postgres.load(path, columns, progress, timings)
            rows, notes, changed_dates = loaded.rows, loaded.notes, loaded.changed_dates
            purchases, swap = loaded.table, loaded.swap
        else:
            rows, notes = _load_sqlite(path, columns, progress)
        stats_started = time.monotonic()
        progress.note(f"{TRANSACTIONS.filename}: refreshing the articles' price, first sale and popularity")
        refresh_article_stats(changed_dates, purchases=purchases)
        timings["transactions: article statistics"] = time.monotonic() - stats_started
        if swap is not None:
            # Last: from here to the commit the purchase tables are held (pages wait milliseconds).
            with connection.cursor() as cursor:
                table_swap.put_in_place(
                    cursor.cursor, swap, referenced=[Customer._meta.db_table, Article._meta.db_table]
                )
        commit_started = time.monotonic()
    # Deferred foreign-key checks run here, one per new row when the keys were kept in place.
    timings["transactions: commit"] = time.monotonic() - commit_started
    if swap is not None:
        _drop_replaced_tables()
    return FileReport(
        TRANSACTIONS.filename, rows=rows, changed=rows, seconds=time.monotonic() - started, notes=notes
    )


def _drop_replaced_tables() -> None:
    """The purchase table a bulk load replaced, in a transaction of its own (table_swap)."""
    with connection.cursor() as cursor:
        table_swap.drop_replaced(cursor.cursor, TABLE)


def _load_sqlite(path: Path, columns: list[Column], progress: Progress) -> tuple[int, list[str]]:
    customers = dict(Customer.objects.values_list("customer_id", "id"))
    articles = set(Article.objects.values_list("article_id", flat=True))
    fields = "t_dat, customer_id, article_id, price, sales_channel_id"
    insert = f"INSERT INTO {TABLE} ({fields}) VALUES (%s, %s, %s, %s, %s)"
    seen_dates: set[dt.date] = set()
    replaced = 0
    rows = skipped = 0
    batch: list[tuple[Any, ...]] = []
    with (
        connection.cursor() as cursor,
        progress.bar(TRANSACTIONS.filename, total=estimate_rows(path)) as advance,
    ):
        erased = erased_customers.digests(cursor)
        for line, values in parsed_rows(path, TRANSACTIONS, columns):
            day = values["t_dat"]
            assert isinstance(day, dt.date)
            if day not in seen_dates:
                # The first row of a date: drop what was stored for it. Rows of this date already
                # inserted from this file come later than this point, so they are never dropped.
                seen_dates.add(day)
                cursor.execute(f"DELETE FROM {TABLE} WHERE t_dat = %s", [day])
                replaced += cursor.rowcount > 0
            customer = customers.get(str(values["customer_id"]))
            if customer is None and erased_customers.is_erased(str(values["customer_id"]), erased):
                skipped += 1
                continue
            if customer is None:
                raise ImportInputError(
                    TRANSACTIONS.filename,
                    f"unknown customer {values['customer_id']!r}: not in customers.csv or the database",
                    line=line,
                    field="customer_id",
                )
            article_id = values["article_id"]
            if article_id not in articles:
                raise ImportInputError(
                    TRANSACTIONS.filename,
                    f"unknown article {article_id}: not in articles.csv or the database",
                    line=line,
                    field="article_id",
                )
            batch.append((day, customer, article_id, values["price"], values["sales_channel_id"]))
            if len(batch) >= SQLITE_BATCH:
                _flush(cursor, insert, batch, advance)
                rows += len(batch)
                batch = []
        _flush(cursor, insert, batch, advance)
        rows += len(batch)
    notes = [f"replaced {replaced} stored dates"] if replaced else []
    return rows, notes + erased_customers.skipped_note(
        skipped, "purchase of an erased customer", "purchases of erased customers"
    )


def _flush(cursor: Any, insert: str, batch: list[tuple[Any, ...]], advance: Any) -> None:
    if batch:
        cursor.executemany(insert, batch)
        advance(len(batch))
