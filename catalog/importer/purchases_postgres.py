"""transactions_train.csv → accounts.Purchase on PostgreSQL, one transaction, COPY all the way.

1. Find which stored dates the file replaces: the stored dates come from the date index (a skip
   scan, milliseconds even at 31.8M rows); the file's from a quick pass over its first column.
2. When the new rows are a large share of the table, load into a new table holding the rows of
   the other dates, build its indexes and keys after the load, and swap it in at the very end
   (table_swap: pages keep reading the old table meanwhile). Otherwise DELETE the replaced dates
   and maintain the indexes row by row.
4. COPY the file into the purchase table as binary rows (purchase_rows): parsed and checked here
   on worker threads, customer ids rewritten on the way, numbered in file order; the server
   applies the range checks. Rows of erased customers are left out (erased_customers).
5. ANALYZE, then refresh the articles' price, first sale and popularity (article_stats).
Everything happens inside the caller's transaction: any error leaves the table as it was.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from accounts.models import Customer, Purchase
from catalog.importer import bulk_indexes, erased_customers, postgres_copy, table_swap
from catalog.importer.csv_files import estimate_rows, line_blocks, split_csv_line
from catalog.importer.purchase_rows import (
    COPY_COLUMNS,
    HEADER,
    TRAILER,
    ArticleKeys,
    CustomerKeys,
    PurchaseRowConverter,
)
from catalog.importer.schema import TRANSACTIONS, Column
from catalog.models import Article
from catalog.progress import Progress

TABLE = Purchase._meta.db_table
# The converter looks up every row's customer and article (purchase_rows): their foreign keys
# need no validating scan after a bulk load.
CHECKED_COLUMNS = ("customer_id", "article_id")


def load(path: Path, columns: list[Column], progress: Progress, timings: dict[str, float]) -> Loaded:
    """Loads the file. A bulk load leaves its rows in a new table, which the caller puts in place
    (table_swap.put_in_place) as the last step before commit, and drops the old one after."""
    cursor = postgres_copy.raw_cursor()
    postgres_copy.tune_session(cursor)
    notes: list[str] = []
    clock = _Clock(timings)
    # Every other writer of purchases waits until commit (readers go on): the load numbers the
    # rows itself (reserve_ids), and two imports cannot interleave. Taken first, before any
    # weaker lock, so that two imports queue instead of deadlocking.
    cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")

    stored = stored_dates(cursor)
    replaced: set[dt.date] = set()
    changed_dates: set[dt.date] | None = None
    kept = 0
    if stored:
        changed_dates = file_dates(path, columns)
        replaced = set(stored) & changed_dates
        if replaced == set(stored):
            changed_dates = None  # every stored row is replaced
        else:
            kept = bulk_indexes.estimated_rows(cursor, TABLE) - _rows_on(cursor, replaced)
        clock.lap("transactions: dates")
        if replaced:
            everything = "all" if replaced == set(stored) else f"{len(replaced)} of"
            notes.append(f"replaced {everything} {len(stored)} stored dates")

    estimate = estimate_rows(path)
    bulk = bulk_indexes.is_bulk(estimate, max(kept, 0))
    target, swap, aside = TABLE, None, None
    if bulk and table_swap.can_swap(cursor, TABLE):
        # A new table beside the one pages read, swapped in at the end (table_swap). Its keys
        # come only at the end: until then no article or customer the file refers to may go
        # (readers pass this lock; writers of either wait for the commit, as they would for the
        # keys themselves).
        cursor.execute(
            f"LOCK TABLE {Article._meta.db_table}, {Customer._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
        )
        kept_where = None if stored and changed_dates is None else "t_dat <> ALL(%s)"
        swap = table_swap.start(
            cursor, TABLE, kept_where, [sorted(replaced)], checked_columns=set(CHECKED_COLUMNS)
        )
        target = swap.incoming
        notes.append("indexes rebuilt after the load")
        clock.lap("transactions: keep the other dates' rows")
    else:
        if replaced:
            cursor.execute(f"DELETE FROM {TABLE} WHERE t_dat = ANY(%s)", [sorted(replaced)])
        clock.lap("transactions: remove replaced dates")
        if bulk:  # a table table_swap cannot replace: in place
            aside = bulk_indexes.set_aside(cursor, TABLE, checked_columns=CHECKED_COLUMNS)
            notes.append("indexes rebuilt after the load")

    first_id = reserve_ids(cursor)
    converter = PurchaseRowConverter(
        columns,
        CustomerKeys.load(cursor, Customer._meta.db_table),
        ArticleKeys.load(cursor, Article._meta.db_table),
        first_id,
        erased=erased_customers.digests(cursor),
    )
    clock.lap("transactions: prepare")
    statement = f"COPY {target} ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT binary)"
    rows = 0
    with progress.bar(TRANSACTIONS.filename, total=estimate) as advance:
        try:
            blocks = converter.convert_blocks(line_blocks(path))
            # closing: a failed COPY stops the parsing threads at once, not when the error is freed.
            with cursor.copy(statement) as copy, contextlib.closing(blocks):
                copy.write(HEADER)
                for data, count in blocks:
                    copy.write(data)
                    rows += count
                    advance(count)
                copy.write(TRAILER)
        except psycopg.Error as error:
            # COPY counts binary rows from 1; the file's first row is line 2.
            raise postgres_copy.copy_error(error, TRANSACTIONS, columns, line_offset=1) from None
    if rows or swap is not None:
        # Past the last id used (the new table's own sequence starts afresh).
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [target, first_id + max(rows - 1, 0)]
        )
    notes += erased_customers.skipped_note(
        converter.skipped, "purchase of an erased customer", "purchases of erased customers"
    )
    clock.lap("transactions: copy")

    if swap is not None:
        progress.note(f"{TRANSACTIONS.filename}: building {len(swap.indexes) + 1} indexes and the keys")
        table_swap.build(cursor, swap)
        clock.lap("transactions: rebuild indexes")
    elif aside is not None:
        rebuilt = f"{len(aside.indexes)} indexes and {len(aside.constraints)} keys"
        progress.note(f"{TRANSACTIONS.filename}: rebuilding {rebuilt}")
        bulk_indexes.restore(cursor, aside)
        clock.lap("transactions: rebuild indexes")
    cursor.execute(f"ANALYZE {target}")
    clock.lap("transactions: analyze")
    return Loaded(rows, notes, changed_dates, target, swap)


@dataclass
class Loaded:
    rows: int
    notes: list[str]
    changed_dates: set[dt.date] | None  # the dates the load changed; None for all of them
    table: str  # where the rows are until `swap` is put in place (the purchase table without one)
    swap: table_swap.Swap | None


def _rows_on(cursor: Any, dates: set[dt.date]) -> int:
    if not dates:
        return 0
    cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE t_dat = ANY(%s)", [sorted(dates)])
    return int(cursor.fetchone()[0])


def reserve_ids(cursor: Any) -> int:
    """The first id for the new rows: the importer numbers the rows itself.

    The caller holds the table's write lock (load), so nobody else draws ids from the sequence
    while the load numbers its rows on from first_id; the caller moves the sequence past the last.
    """
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [TABLE])
    return int(cursor.fetchone()[0])


def stored_dates(cursor: Any) -> list[dt.date]:
    """Distinct purchase dates by skipping through the date index (a loose index scan)."""
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND a.attname = 't_dat')",
        [TABLE],
    )
    if not cursor.fetchone()[0]:
        # Without an index on the date each skip would scan the table: one pass instead.
        cursor.execute(f"SELECT DISTINCT t_dat FROM {TABLE} ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]
    cursor.execute(
        f"""
        WITH RECURSIVE dates AS (
            (SELECT t_dat FROM {TABLE} ORDER BY t_dat LIMIT 1)
            UNION ALL
            SELECT (SELECT p.t_dat FROM {TABLE} p WHERE p.t_dat > dates.t_dat ORDER BY p.t_dat LIMIT 1)
            FROM dates WHERE dates.t_dat IS NOT NULL
        )
        SELECT t_dat FROM dates WHERE t_dat IS NOT NULL
        """
    )
    return [row[0] for row in cursor.fetchall()]


def file_dates(path: Path, columns: list[Column]) -> set[dt.date]:
    """The dates a transactions file holds. Unparsable ones are skipped: the row converter reports
    them later, with their line and field."""
    position = next(i for i, column in enumerate(columns) if column.field == "t_dat")
    raw: set[bytes] = set()
    for _, block in line_blocks(path):
        lines = block.split(b"\n")[:-1]
        if position == 0:
            raw.update(line[:10] for line in lines if line[10:11] == b",")
            unusual = [line for line in lines if line[10:11] != b","]
        else:
            unusual = lines
        for line in unusual:
            try:
                fields = split_csv_line(line)
            except csv.Error:
                continue
            if fields and len(fields) > position:
                raw.add(fields[position].strip().encode())
    dates = set()
    for value in raw:
        try:
            dates.add(dt.date.fromisoformat(value.decode()))
        except (ValueError, UnicodeDecodeError):
            continue
    return dates


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now
