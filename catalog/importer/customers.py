"""customers.csv → accounts.Customer, upserted by H&M's customer_id (the link to a user is kept).
Erased customers' rows are skipped (erased_customers)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from accounts.models import Customer
from catalog.importer import bulk_indexes, erased_customers, postgres_copy
from catalog.importer.csv_files import estimate_rows, parsed_rows, read_header
from catalog.importer.report import FileReport
from catalog.importer.schema import CUSTOMERS
from catalog.importer.upserts import upsert_statement
from catalog.progress import Progress

TABLE = Customer._meta.db_table
STAGING = "hm_import_customers"
FIELDS = [column.field for column in CUSTOMERS.columns]
# H&M leaves these blank for many customers; the model stores blanks as empty strings.
TEXT_FIELDS = {"club_member_status", "fashion_news_frequency", "postal_code"}
SQLITE_BATCH = 5_000


def import_customers(path: Path, *, progress: Progress) -> FileReport:
    started = time.monotonic()
    columns = read_header(path, CUSTOMERS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            rows, changed, skipped = _load_postgres(path, columns, progress)
        else:
            rows, changed, skipped = _load_sqlite(path, columns, progress)
    return FileReport(
        CUSTOMERS.filename,
        rows=rows,
        changed=changed,
        seconds=time.monotonic() - started,
        notes=erased_customers.skipped_note(skipped, "erased customer", "erased customers"),
    )


def _load_postgres(path: Path, columns: list[Any], progress: Progress) -> tuple[int, int, int]:
    cursor = postgres_copy.raw_cursor()
    postgres_copy.tune_session(cursor)
    postgres_copy.create_staging_table(cursor, STAGING, CUSTOMERS.columns)
    with progress.bar(CUSTOMERS.filename, total=estimate_rows(path)) as advance:
        rows = postgres_copy.copy_file(cursor, STAGING, columns, path, CUSTOMERS, advance)

    def value(field: str) -> str:
        if field in TEXT_FIELDS:
            return f"coalesce({field}, '')"
        if field == "age":
            return "round(age)::smallint"
        return field

    found = postgres_copy.first_duplicate(cursor, STAGING, "customer_id", path)
    if found is not None:
        raise CUSTOMERS.duplicate_error(found[1], found[0])
    # After the duplicate check, which numbers the staged rows as the file's lines.
    skipped = erased_customers.drop_staged(cursor, STAGING, "customer_id")
    source = f"SELECT {', '.join(value(field) for field in FIELDS)} FROM {STAGING}"
    if postgres_copy.is_empty(cursor, TABLE):
        changed = _insert_into_empty_table(cursor, source)
    else:
        changed = _upsert(cursor, source)
    cursor.execute(f"ANALYZE {TABLE}")
    return rows, changed, skipped


def _insert_into_empty_table(cursor: Any, source: str) -> int:
    """A first import: a plain INSERT with every index and key set aside, rebuilt afterwards.

    Nothing to upsert into, so the unique index on H&M's 64-character id (random keys, one page
    split after another) need not be maintained row by row: building it once at the end takes a
    tenth of the time.
    """
    aside = bulk_indexes.set_aside(cursor, TABLE, unique=True, foreign_keys=False)
    cursor.execute(f"INSERT INTO {TABLE} ({', '.join(FIELDS)}) {source}")
    changed = int(cursor.rowcount)
    bulk_indexes.restore(cursor, aside)
    return changed


def _upsert(cursor: Any, source: str) -> int:
    statement = upsert_statement(
        table=TABLE, columns=FIELDS, source=source, key="customer_id", updated=FIELDS[1:], vendor="postgresql"
    )
    # The link to a login (user_id, the one foreign key) stays: imported rows leave it empty, so it
    # costs the load nothing, and setting it aside would lock the users table (every signed-in page).
    with bulk_indexes.rebuilt_after(
        cursor, TABLE, bulk_indexes.new_keys(cursor, STAGING, TABLE, "customer_id"), foreign_keys=False
    ):
        cursor.execute(statement)
        changed = int(cursor.rowcount)
    return changed


def _load_sqlite(path: Path, columns: list[Any], progress: Progress) -> tuple[int, int, int]:
    statement = upsert_statement(
        table=TABLE,
        columns=FIELDS,
        source=f"VALUES ({', '.join(['%s'] * len(FIELDS))})",
        key="customer_id",
        updated=FIELDS[1:],
        vendor="sqlite",
    )
    rows = changed = skipped = 0
    batch: list[list[Any]] = []
    with (
        connection.cursor() as cursor,
        progress.bar(CUSTOMERS.filename, total=estimate_rows(path)) as advance,
    ):
        erased = erased_customers.digests(cursor)
        for _line, values in parsed_rows(path, CUSTOMERS, columns):
            customer_id = str(values["customer_id"])
            if erased_customers.is_erased(customer_id, erased):
                skipped += 1
                advance(1)
                continue
            batch.append(
                ["" if values[field] is None and field in TEXT_FIELDS else values[field] for field in FIELDS]
            )
            if len(batch) >= SQLITE_BATCH:
                cursor.executemany(statement, batch)
                changed += max(cursor.rowcount, 0)
                rows += len(batch)
                advance(len(batch))
                batch = []
        if batch:
            cursor.executemany(statement, batch)
            changed += max(cursor.rowcount, 0)
            rows += len(batch)
            advance(len(batch))
    return rows + skipped, changed, skipped
