"""Purchases as numpy arrays, and the customer x article confidence matrix ALS learns from.

The purchase table is read once per training run in bulk (on PostgreSQL, blocks of heap pages
packed into one bytea each by the server and read over two connections; a batched cursor
elsewhere) into three flat arrays. Everything else (the train/held-out split, the
matrix, the baselines) slices those arrays, so a run reads the database exactly once.

At full H&M scale (31.8M purchases) the arrays take 31.8M x (4 + 8 + 4) bytes ≈ 0.5 GB and the
CSR matrix about 8 bytes per distinct (customer, article) pair: comfortably inside 24 GiB.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

# PostgreSQL's binary date format counts days from 2000-01-01; we use the same epoch everywhere.
DAY_EPOCH = dt.date(2000, 1, 1)
FETCH_BATCH_ROWS = 50_000
# sorted_distinct: a table of flags beats sorting up to about 128 flags per value (89,000 values:
# 1.9 ms against 4.1 ms sorting at 29 flags a value, 3.5 against 3.9 at 128).
DENSE_FLAGS_PER_VALUE = 64
# PostgreSQL hands a COPY out one row per message, and taking 29M messages one at a time cost
# more than the server's whole scan (2.0 s client CPU vs 0.5 s server for 3M rows here). So the
# server packs each block of heap pages into one bytea of fixed-width rows instead, and two
# connections read alternate blocks: 0.63 s for the same 3M rows. 8192 pages (64 MB of heap)
# hold at most a few million rows, a few tens of MB of bytea, far below its 1 GB limit.
BLOCK_PAGES = 8192
READ_CONNECTIONS = 2
PURCHASE_TABLE = "accounts_purchase"
LOCK_RETRY_SECONDS = 2
# The last block reaches past any page the table can have.
_LAST_PAGE = 2**32 - 1
# customer_id::int4, article_id::int8, t_dat (days since 2000-01-01), big-endian, 16 bytes a row.
_PACKED_ROW = np.dtype([("customer", ">i4"), ("article", ">i8"), ("day", ">i4")])
_BLOCK_SQL = (
    "SELECT string_agg(int4send(customer_id::int4) || int8send(article_id) || date_send(t_dat), ''::bytea) "
    f"FROM {PURCHASE_TABLE} WHERE ctid >= %s::tid AND ctid < %s::tid"
)
_PURCHASES_SQL = f"SELECT customer_id, article_id, t_dat FROM {PURCHASE_TABLE}"


def day_number(day: dt.date) -> int:
    return (day - DAY_EPOCH).days


def day_date(number: int) -> dt.date:
    return DAY_EPOCH + dt.timedelta(days=int(number))


@dataclass(frozen=True)
class PurchaseLog:
    """Every purchase as three aligned arrays (one element per row of `accounts_purchase`)."""

    customers: np.ndarray  # int32: accounts.Customer primary keys
    articles: np.ndarray  # int64: catalog.Article article_id
    days: np.ndarray  # int32: days since DAY_EPOCH

    def __len__(self) -> int:
        return int(self.customers.shape[0])

    @property
    def last_day(self) -> int:
        """The newest purchase date: "now" for a historical data set."""
        return int(self.days.max()) if len(self) else day_number(dt.date.today())

    def where(self, mask: np.ndarray) -> PurchaseLog:
        return PurchaseLog(self.customers[mask], self.articles[mask], self.days[mask])

    @classmethod
    def from_rows(cls, rows: list[tuple[int, int, dt.date]]) -> PurchaseLog:
        """For tests and small data: (customer pk, article_id, date) tuples."""
        return cls(
            np.array([row[0] for row in rows], dtype=np.int32),
            np.array([row[1] for row in rows], dtype=np.int64),
            np.array([day_number(row[2]) for row in rows], dtype=np.int32),
        )


def load_purchase_log(connection: Any = None, progress: Callable[[int], None] | None = None) -> PurchaseLog:
    """Reads every purchase from the database into numpy, in bulk; `progress(rows_so_far)`."""
    from django.db import connection as default_connection

    connection = connection or default_connection
    connection.ensure_connection()
    if connection.vendor != "postgresql":
        return _load_with_cursor(connection, progress)
    if connection.in_atomic_block:
        # Rows this transaction wrote are invisible to other connections: read them on this one.
        return _load_in_blocks([connection.connection], progress)
    import psycopg
    from psycopg import sql

    parameters = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context")
    }
    # autocommit: the transactions below begin explicitly, with their isolation level.
    readers = [psycopg.connect(**parameters, autocommit=True) for _ in range(READ_CONNECTIONS)]
    try:
        while True:
            try:
                _share_one_snapshot(readers, sql)
                break
            except psycopg.errors.LockNotAvailable:
                # An import asked for the table between two readers' locks: let it go first.
                for reader in readers:
                    reader.execute("ROLLBACK")
                time.sleep(LOCK_RETRY_SECONDS)
        return _load_in_blocks(readers, progress)
    finally:
        for reader in readers:
            reader.close()


def _share_one_snapshot(readers: list[Any], sql: Any) -> None:
    """Every reader in one snapshot, as pg_dump's parallel jobs share one: the blocks add up to the
    table as it was at one moment, whatever commits meanwhile.

    Each locks the table (ACCESS SHARE) before the snapshot is taken: an import that truncated it
    or set its keys aside (ACCESS EXCLUSIVE) is waited for, where a snapshot taken first would see
    the truncated table as empty. The first reader waits as long as that takes; the others give
    up after a moment, since an import that queued behind the first one's lock would wait for it,
    and they for the import, with neither able to see it from the server's side.
    """
    first, *others = readers
    first.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    first.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
    first.execute(f"LOCK TABLE {PURCHASE_TABLE} IN ACCESS SHARE MODE")
    snapshot = first.execute("SELECT pg_export_snapshot()").fetchall()[0][0]
    for reader in others:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        reader.execute("SET LOCAL jit = off")
        reader.execute(f"SET LOCAL lock_timeout = '{LOCK_RETRY_SECONDS}s'")
        reader.execute(f"LOCK TABLE {PURCHASE_TABLE} IN ACCESS SHARE MODE")
        reader.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))


def _load_in_blocks(readers: list[Any], progress: Callable[[int], None] | None) -> PurchaseLog:
    """Every block of heap pages, each read by whichever connection is free, in page order."""
    import queue
    from concurrent.futures import ThreadPoolExecutor, as_completed

    import psycopg

    # Counted after the snapshot was taken: every row it can see lies on a page that existed then.
    pages = (
        readers[0]
        .execute(f"SELECT pg_relation_size('{PURCHASE_TABLE}') / current_setting('block_size')::int")
        .fetchone()[0]
    )
    starts = list(range(0, max(int(pages), 1), BLOCK_PAGES))
    free: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for reader in readers:
        free.put(reader)

    def read(number: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        end = starts[number + 1] if number + 1 < len(starts) else _LAST_PAGE
        reader = free.get()
        try:
            # A plain psycopg cursor: Django's client-side one cannot take binary results.
            with psycopg.Cursor(reader) as cursor:
                cursor.execute(_BLOCK_SQL, [f"({starts[number]},0)", f"({end},0)"], binary=True)
                packed = cursor.fetchall()[0][0]
        finally:
            free.put(reader)
        rows = np.frombuffer(packed or b"", dtype=_PACKED_ROW)
        return (
            rows["customer"].astype(np.int32),
            rows["article"].astype(np.int64),
            rows["day"].astype(np.int32),
        )

    blocks: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    rows = 0
    with ThreadPoolExecutor(max_workers=len(readers)) as pool:
        futures = {pool.submit(read, number): number for number in range(len(starts))}
        try:
            # Progress is reported here, on the caller's thread, as each block arrives.
            for future in as_completed(futures):
                blocks[futures[future]] = future.result()
                rows += len(blocks[futures[future]][0])
                if progress:
                    progress(rows)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
    return _concatenate([blocks[number] for number in range(len(starts))])


def _load_with_cursor(connection: Any, progress: Callable[[int], None] | None) -> PurchaseLog:
    """SQLite (the zero-setup demo): batches of rows; only small data sets live there."""
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(_PURCHASES_SQL)
        while batch := cursor.fetchmany(FETCH_BATCH_ROWS):
            dates = [
                row[2] if isinstance(row[2], dt.date) else dt.date.fromisoformat(row[2]) for row in batch
            ]
            blocks.append(
                (
                    np.fromiter((row[0] for row in batch), dtype=np.int32, count=len(batch)),
                    np.fromiter((row[1] for row in batch), dtype=np.int64, count=len(batch)),
                    np.fromiter((day_number(day) for day in dates), dtype=np.int32, count=len(batch)),
                )
            )
            rows += len(batch)
            if progress:
                progress(rows)
    return _concatenate(blocks)


def _concatenate(blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> PurchaseLog:
    if not blocks:
        return PurchaseLog(np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int32))
    return PurchaseLog(*(np.concatenate([block[i] for block in blocks]) for i in range(3)))


def sorted_distinct(values: np.ndarray, *, below: int | None = None) -> np.ndarray:
    """np.unique(values) by sorting: numpy 2's hash table took 0.52 CPU-s where sorting took 0.12
    (3M purchases' customer ids, 118k distinct).

    With `below` (every value is in [0, below); ValueError naming any that is not) and few
    enough possible values, by flagging each value in a table instead. Either way the distinct
    values keep the dtype of `values`."""
    if below is not None:
        _refuse_outside(values, below)
        if below <= DENSE_FLAGS_PER_VALUE * values.size:
            present = np.zeros(below, dtype=bool)
            present[values] = True
            return np.flatnonzero(present).astype(values.dtype, copy=False)
    values = np.sort(values)
    return values[run_starts(values)]


def _refuse_outside(values: np.ndarray, below: int) -> None:
    """A negative value would flag a value from the table's end, and one past it fail with an
    index error that names neither the value's meaning nor the caller's range."""
    if values.size and (values.min() < 0 or values.max() >= below):
        outside = np.unique(values[(values < 0) | (values >= below)])
        raise ValueError(f"sorted_distinct: values {outside[:10].tolist()} are outside [0, {below})")


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal neighbours begins (indexes into values; none for no values)."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if values.size else np.zeros(0, np.int64)


def rank_within(owners: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of a sorted array (each owner's items).

    From the runs' starts: ten times faster than np.searchsorted(owners, owners) at 75k items."""
    starts = run_starts(owners)
    return np.arange(owners.size) - np.repeat(starts, np.diff(np.r_[starts, owners.size]))


def best_first(owners: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The order that sorts items by owner (ints below 2**31), then by float32 score from the
    best, equal scores keeping their order: one stable sort of an int64 key, where a multi-key
    lexsort cost ten times as much. The score's bit pattern, sign-folded and reversed, fills the
    key's low 32 bits (equal scores get equal bits; -0 counts as 0)."""
    bits = (np.asarray(scores, dtype=np.float32) + np.float32(0)).view(np.int32).astype(np.int64)
    descending = (2**31 - 1) - np.where(bits < 0, -(2**31) - bits - 1, bits)
    return np.argsort((np.asarray(owners, dtype=np.int64) << 32) | descending, kind="stable")


# IdMap.positions: lookups of at least this many ids read a table or sort them; fewer are
# binary-searched. A table is used when the ids span at most DENSE_SPAN times their number.
BULK_LOOKUP = 100_000
DENSE_SPAN = 4


@dataclass(frozen=True)
class IdMap:
    """Sorted external ids ↔ dense positions (matrix rows for customers, columns for articles)."""

    ids: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> IdMap:
        return cls(sorted_distinct(values))

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def positions(self, values: np.ndarray) -> np.ndarray:
        """Dense positions of ids (int32); -1 for ids the map does not know.

        A whole purchase log's ids are not binary-searched one by one: at H&M scale that took
        5.9 s for 29M article ids (cache misses). Dense ids (customer primary keys) are read from
        a table instead (0.07 s for 29M), others sorted first (2.1 s).
        """
        values = np.asarray(values)
        if values.size < BULK_LOOKUP or not len(self) or values.dtype.kind not in "iu":
            return self._searched(values)
        first, span = int(self.ids[0]), int(self.ids[-1]) - int(self.ids[0]) + 1
        if span <= DENSE_SPAN * len(self):
            table = np.full(span, -1, dtype=np.int32)
            table[self.ids - first] = np.arange(len(self), dtype=np.int32)
            offsets = values.astype(np.int64) - first
            inside = (offsets >= 0) & (offsets < span)
            return np.where(inside, table[np.where(inside, offsets, 0)], -1).astype(np.int32)
        return self._sorted(values)

    def _searched(self, values: np.ndarray) -> np.ndarray:
        found = np.searchsorted(self.ids, values)
        found = np.minimum(found, max(len(self) - 1, 0))
        known = (self.ids[found] == values) if len(self) else np.zeros(values.shape, dtype=bool)
        return np.where(known, found, -1).astype(np.int32)

    def _sorted(self, values: np.ndarray) -> np.ndarray:
        """Sorts the values with their index packed into the low bits of one int64 (a plain sort,
        much faster than argsort), then looks up each distinct value once."""
        shape, values = values.shape, values.ravel()
        low = int(values.min())
        shifted = values.astype(np.int64) - low
        index_bits = max(int(values.size - 1).bit_length(), 1)
        if int(shifted.max()).bit_length() + index_bits > 63:
            return self._searched(values)
        keys = np.sort((shifted << index_bits) | np.arange(values.size, dtype=np.int64))
        order = keys & ((1 << index_bits) - 1)
        keys >>= index_bits
        starts = run_starts(keys)
        result = np.empty(values.size, dtype=np.int32)
        result[order] = np.repeat(self._searched(keys[starts] + low), np.diff(np.r_[starts, values.size]))
        return result.reshape(shape)

    def position(self, value: int) -> int | None:
        position = int(self.positions(np.array([value]))[0])
        return None if position < 0 else position


def purchase_weights(days: np.ndarray, *, reference_day: int, half_life_days: float | None) -> np.ndarray:
    """Weight of each purchase: 1, or halved every `half_life_days` before `reference_day`."""
    if not half_life_days:
        return np.ones(days.shape, dtype=np.float32)
    age = np.maximum(reference_day - days.astype(np.float32), 0.0)
    return np.exp2(-age / np.float32(half_life_days)).astype(np.float32)


def build_matrix(
    log: PurchaseLog,
    *,
    customers: IdMap,
    articles: IdMap,
    half_life_days: float | None = None,
    reference_day: int | None = None,
) -> csr_matrix:
    """customers x articles CSR (float32); each cell sums the purchase weights of that pair.

    Purchases of customers or articles missing from the maps are dropped. ALS multiplies the
    cells by its `alpha` to get the confidence of each observed preference.
    """
    from scipy.sparse import coo_matrix

    rows = customers.positions(log.customers)
    cols = articles.positions(log.articles)
    keep = (rows >= 0) & (cols >= 0)
    reference = log.last_day if reference_day is None else reference_day
    weights = purchase_weights(log.days[keep], reference_day=reference, half_life_days=half_life_days)
    matrix = coo_matrix(
        (weights, (rows[keep], cols[keep])), shape=(len(customers), len(articles)), dtype=np.float32
    )
    csr = matrix.tocsr()  # sums duplicate (customer, article) pairs
    csr.sort_indices()
    return csr
