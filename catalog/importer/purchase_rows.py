"""transactions_train.csv → COPY's binary rows for accounts.Purchase, customer hex ids → Customer.id.

Binary rows spare the server the text parsing (dates, floats) and the table's identity default
(the importer numbers the rows itself): the server's share of the load is about half of a csv
COPY's. The exact Kaggle layout (10-character date, 64-character customer id, 10-digit article
id, a plain decimal price, a one-digit channel) is converted a block of lines at a time with
numpy. A block holding anything else (quotes, another column order, Windows line ends, a bad
value, an unknown customer or article) goes line by line instead, and the first bad value stops
the import with its line and field. Ranges (a price that is negative or not finite, a negative
channel) are the table's check constraints, which the server applies to every row either way.
Lines of erased customers (an id the converter does not know as a customer, whose hash is a
tombstone's: erased_customers) are left out on either path; only unknown ids are hashed.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import psycopg

from catalog.importer import erased_customers
from catalog.importer.csv_files import check_field_count, line_break_in_line, line_text_error, split_csv_line
from catalog.importer.errors import ImportInputError
from catalog.importer.schema import FLOAT_TEXT, TRANSACTIONS, Column

# The order the rows' fields are sent in: COPY (these columns) FROM STDIN WITH (FORMAT binary).
COPY_COLUMNS = ("id", "t_dat", "price", "sales_channel_id", "article_id", "customer_id")
# COPY's binary layout: a signature and two zero words, then per row the field count and each
# field as (byte length, big-endian value); a -1 field count ends the data.
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"
ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("id_size", ">i4"), ("id", ">i8"),
        ("t_dat_size", ">i4"), ("t_dat", ">i4"),  # days since 2000-01-01
        ("price_size", ">i4"), ("price", ">f8"),
        ("channel_size", ">i4"), ("channel", ">i2"),
        ("article_size", ">i4"), ("article", ">i8"),
        ("customer_size", ">i4"), ("customer", ">i8"),
    ]
)  # fmt: skip
_VALUES = tuple(name for name in ROW.names or () if name != "fields" and not name.endswith("_size"))
POSTGRES_EPOCH = dt.date(2000, 1, 1)  # binary COPY counts dates in days from it

ID_LENGTH = 64  # H&M's customer ids: 64 hex characters, eight 8-byte words
CUSTOMER_BATCH = 1 << 17  # customer keys read this many Customer.id values at a time
_WORDS = ID_LENGTH // 8
# Kaggle layout: YYYY-MM-DD,<64 characters>,<10 digits>,<price>,<digit>
_CUSTOMER_AT, _ARTICLE_AT, _PRICE_AT = 11, 76, 87
_ARTICLE_DIGITS = np.arange(_ARTICLE_AT, _ARTICLE_AT + 10)
_DECIMAL_PLACES = 10 ** np.arange(9, -1, -1, dtype=np.int64)
_SHORTEST_LINE = _PRICE_AT + 3  # a one-character price, a comma and the channel
_PRICE_WIDTH = 24  # longer prices go line by line
_DATE_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9])
_PRICE_CHARACTERS = np.zeros(256, bool)
_PRICE_CHARACTERS[np.frombuffer(b"0123456789.eE+-", np.uint8)] = True
_COMMA, _DASH, _NEWLINE, _ZERO = (ord(c) for c in ",-\n0")
_STANDARD_ORDER = [column.field for column in TRANSACTIONS.columns]
_WHOLE_NUMBER = re.compile(r"\s*\+?\d+\s*", re.ASCII)
# Blocks parsed ahead of the one being sent: each worker has the next one queued, and memory stays
# a few blocks (about 1 MB of text each) however long the file.
BLOCKS_AHEAD_PER_WORKER = 2
# Past this many threads the server's side of the COPY (about 1 s of one core per 2.8M rows, 60%
# of what parsing costs) is the limit.
MAX_WORKERS = 4
# Fibonacci hashing: a key's home slot is the top bits of key x 2^64/phi, spread even for keys
# that run in steps.
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


class _Slots:
    """Where each of a set of distinct uint64 keys sits in its array, looked up for whole arrays.

    An open-addressing table (at least two slots per key, linear probing): a lookup reads one or
    two slots, where a binary search in a sorted copy reads log2(n) scattered ones. 2.8M lookups
    among 1.37M keys: 0.15 s against 1.1 s; among 20,000: 0.08 s against 0.24 s.
    """

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = keys
        self.bits = max(2 * len(keys) - 1, 1).bit_length()
        mixed = keys * _FIBONACCI
        order = np.argsort(mixed, kind="stable")
        mixed = mixed[order]
        # Multiplying by an odd number maps distinct keys to distinct values: equal keys sit side
        # by side once sorted. (A table over equal keys finds the first of them for each.)
        self.distinct = not np.any(mixed[1:] == mixed[:-1])
        # Placed in the order of their home slots (the top bits, so sorted too), each key takes
        # its home slot or, when that is taken, the one after the key placed before it:
        # slot_i = max(home_i, slot_i-1 + 1), which is i + the running maximum of home_j - j.
        # In place: 0.2 s and a 50 MB peak for 1.37M keys.
        rank = np.arange(len(keys))
        slot = self._top_bits(mixed)
        del mixed
        slot -= rank
        np.maximum.accumulate(slot, out=slot)
        slot += rank
        # Runs of taken slots go on past the last home slot instead of wrapping round to the
        # first, and at least one empty slot follows the last key: every search ends inside.
        size = max(1 << self.bits, int(slot[-1]) + 2 if len(slot) else 0)
        self.table = np.full(size, -1, np.int32 if len(keys) < 2**31 else np.int64)
        self.table[slot] = order

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return self._top_bits(keys * _FIBONACCI)

    def _top_bits(self, mixed: np.ndarray) -> np.ndarray:
        return (mixed >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The position of each key in the table's keys; -1 for keys it does not hold."""
        found = np.full(len(keys), -1, np.int64)
        slot = self._home(keys)
        looking = np.arange(len(keys))
        while len(looking):
            at = self.table[slot[looking]]
            held = at >= 0
            same = np.zeros(len(looking), bool)
            same[held] = self.keys[at[held]] == keys[looking[held]]
            found[looking[same]] = at[same]
            # Past a slot holding another key; an empty slot ends the search.
            looking = looking[held & ~same]
            slot[looking] += 1
        return found


def _word_hash(words: np.ndarray) -> np.ndarray:
    """One uint64 per row of 8-byte words (FNV-1a over words): the key of the customer lookup."""
    hashed = np.full(len(words), 0xCBF29CE484222325, np.uint64)
    for column in range(words.shape[1]):
        hashed ^= words[:, column]
        hashed *= np.uint64(0x100000001B3)
    return hashed


class CustomerKeys:
    """Customer.id by H&M customer id, looked up for whole blocks of lines at once.

    64-byte ids are found by their hash in a hash table (_Slots) and then compared in full, so a
    hash that matches the wrong customer is never taken for it. Ids of any other length
    (hand-made data) sit in a dict for the line-by-line path.
    """

    def __init__(self, words: np.ndarray, ids: np.ndarray, others: dict[bytes, int]) -> None:
        """words: each 64-byte id as eight little-endian uint64, in the order of ids."""
        self.words, self.ids = words, ids
        self.slots = _Slots(_word_hash(words))
        # Two customers with one hash (never seen, but possible): then every line goes the slow
        # way, which looks every id up in the dict.
        self.usable = self.slots.distinct
        self.others = others
        if not self.usable:
            self.others.update(zip((row.tobytes() for row in words), ids.tolist(), strict=True))

    @classmethod
    def load(cls, cursor: Any, table: str) -> CustomerKeys:
        cursor.execute(f"SELECT count(*), min(id), max(id) FROM {table}")
        count, first, last = cursor.fetchone()
        first, last = (first, last) if count else (0, -1)
        words = np.empty((count, _WORDS), "<u8")
        ids = np.empty(count, np.int64)
        filled = 0
        record = ID_LENGTH + 8
        # Batches of packed (id bytes, big-endian Customer.id) records, one bytea each: half the
        # time of a binary COPY (which hands over every row as its own message), and a few MB at a
        # time. A plain psycopg cursor takes binary results.
        with psycopg.Cursor(cursor.connection) as binary_cursor:
            for start in range(first, last + 1, CUSTOMER_BATCH):
                binary_cursor.execute(
                    f"SELECT string_agg(convert_to(customer_id, 'UTF8') || int8send(id), ''::bytea) "
                    f"FROM {table} WHERE id >= %s AND id < %s AND octet_length(customer_id) = %s",
                    [start, min(start + CUSTOMER_BATCH, last + 1), ID_LENGTH],
                    binary=True,
                )
                (packed,) = binary_cursor.fetchone() or (None,)
                batch = len(packed or b"") // record
                if not batch:
                    continue
                if filled + batch > len(ids):  # customers committed since the count
                    words = np.concatenate([words[:filled], np.empty((batch, _WORDS), "<u8")])
                    ids = np.concatenate([ids[:filled], np.empty(batch, np.int64)])
                rows = slice(filled, filled + batch)
                words[rows] = np.ndarray((batch, _WORDS), "<u8", packed, strides=(record, 8))
                ids[rows] = np.ndarray((batch,), ">i8", packed, ID_LENGTH, (record,))
                filled += batch
        cursor.execute(
            f"SELECT convert_to(customer_id, 'UTF8'), id FROM {table} WHERE octet_length(customer_id) <> %s",
            [ID_LENGTH],
        )
        others = {bytes(key): int(key_id) for key, key_id in cursor.fetchall()}
        return cls(words[:filled], ids[:filled], others)

    def find(self, words: np.ndarray) -> np.ndarray:
        """Customer.id for each row of 8 words, -1 for ids we do not know."""
        if not len(self.ids):
            return np.full(len(words), -1, np.int64)
        at = self.slots.find(_word_hash(words))
        # Rows whose hash the table lacks (-1) are compared with the first customer, then dropped.
        same = (at >= 0) & np.all(self.words.take(np.maximum(at, 0), axis=0) == words, axis=1)
        return np.where(same, self.ids[at], -1)

    def get(self, customer_id: bytes) -> int | None:
        if len(customer_id) != ID_LENGTH or not self.usable:
            return self.others.get(customer_id)
        found = int(self.find(np.frombuffer(customer_id, "<u8").reshape(1, _WORDS))[0])
        return found if found >= 0 else None


class ArticleKeys:
    def __init__(self, ids: np.ndarray) -> None:
        self.slots = _Slots(np.unique(ids.astype(np.int64)).astype(np.uint64))

    @classmethod
    def load(cls, cursor: Any, table: str) -> ArticleKeys:
        cursor.execute(f"SELECT article_id FROM {table}")
        return cls(np.array([row[0] for row in cursor.fetchall()], np.int64))

    def known(self, ids: np.ndarray) -> np.ndarray:
        return self.slots.find(ids.astype(np.uint64)) >= 0


class PurchaseRowConverter:
    """Turns blocks of csv lines into binary COPY rows, numbering the purchases from first_id."""

    def __init__(
        self,
        columns: list[Column],
        customers: CustomerKeys,
        articles: ArticleKeys,
        first_id: int,
        *,
        erased: frozenset[str] = frozenset(),
    ) -> None:
        """erased: the tombstones' digests (erased_customers.digests)."""
        self.columns = columns
        self.customers = customers
        self.articles = articles
        self.erased = erased
        self.next_id = first_id
        self.skipped = 0  # lines of erased customers left out so far
        self.fast = [column.field for column in columns] == _STANDARD_ORDER and customers.usable
        self.by_field = {column.field: column for column in columns}

    def convert(self, first_line: int, block: bytes) -> tuple[bytes, int]:
        """(binary rows, how many) for a block of whole lines."""
        return self._number(self._values(first_line, block))

    def convert_blocks(
        self, blocks: Iterable[tuple[int, bytes]], workers: int | None = None
    ) -> Generator[tuple[bytes, int]]:
        """`convert` of each (first line, block), in file order, parsing on worker threads.

        numpy lets go of the GIL for its array work, so the blocks parse side by side (2.8M rows:
        1.6-1.8 s on one core, 1.2 s on two); only the numbering, in order, stays in this thread.
        The first bad line in file order stops it, as one thread would.
        """
        workers = workers or min(os.cpu_count() or 1, MAX_WORKERS)
        pending: deque[Future[tuple[tuple[np.ndarray, ...], int]]] = deque()
        pool = ThreadPoolExecutor(workers, thread_name_prefix="purchase-rows")
        try:
            for first_line, block in blocks:
                pending.append(pool.submit(self._values, first_line, block))
                if len(pending) > workers * BLOCKS_AHEAD_PER_WORKER:
                    yield self._number(pending.popleft().result())
            while pending:
                yield self._number(pending.popleft().result())
        finally:
            # On an error (here or in the caller's COPY), blocks still queued are not parsed.
            pool.shutdown(cancel_futures=True)

    def _values(self, first_line: int, block: bytes) -> tuple[tuple[np.ndarray, ...], int]:
        """The block's columns, and how many of its lines were left out (erased customers')."""
        values = self._convert_quickly(block) if self.fast else None
        values = self._convert_slowly(first_line, block) if values is None else values
        # Every other line is converted or stops the import.
        return values, (block.count(b"\n") - len(values[0]) if self.erased else 0)

    def _number(self, converted: tuple[tuple[np.ndarray, ...], int]) -> tuple[bytes, int]:
        values, skipped = converted
        self.skipped += skipped
        rows = _pack(self.next_id, *values)
        self.next_id += len(rows)
        return rows.tobytes(), len(rows)

    def _convert_quickly(self, block: bytes) -> tuple[np.ndarray, ...] | None:
        """The block's columns when every line has the Kaggle layout and known ids; else None."""
        # Zero padding lets the word reads near the block's end stay inside the buffer.
        buffer = np.frombuffer(block + bytes(_PRICE_WIDTH), np.uint8)
        ends = np.flatnonzero(buffer[: len(block)] == _NEWLINE)
        starts = np.empty_like(ends)
        starts[0], starts[1:] = 0, ends[:-1] + 1
        if (ends - starts).min() < _SHORTEST_LINE:
            return None
        words = np.ndarray((len(buffer) - 7,), "<u8", buffer, strides=(1,))  # 8 bytes from any offset
        channel = buffer[ends - 1] - np.uint8(_ZERO)
        date = buffer[starts[:, None] + _DATE_DIGITS] - np.uint8(_ZERO)
        article = buffer[starts[:, None] + _ARTICLE_DIGITS] - np.uint8(_ZERO)
        price_length = ends - 2 - (starts + _PRICE_AT)
        separators_in_place = all(
            np.all(buffer[at] == separator)
            for at, separator in (
                (starts + 4, _DASH), (starts + 7, _DASH), (starts + _CUSTOMER_AT - 1, _COMMA),
                (starts + _ARTICLE_AT - 1, _COMMA), (starts + _PRICE_AT - 1, _COMMA), (ends - 2, _COMMA),
            )
        )  # fmt: skip
        digits_in_place = np.all(channel <= 9) and np.all(date <= 9) and np.all(article <= 9)
        if not (separators_in_place and digits_in_place and price_length.max() <= _PRICE_WIDTH):
            return None
        days = _days(date.astype(np.int32))
        if days is None:
            return None

        price_bytes = _words_at(words, starts + _PRICE_AT, _PRICE_WIDTH // 8).view(np.uint8)
        inside = np.arange(_PRICE_WIDTH) < price_length[:, None]
        if not np.all(_PRICE_CHARACTERS[price_bytes] | ~inside):
            return None
        try:
            price = (
                np.where(inside, price_bytes, 0)
                .astype(np.uint8)
                .view(f"S{_PRICE_WIDTH}")
                .ravel()
                .astype(np.float64)
            )
        except ValueError:  # "1e", "-", "1.2.3": the line-by-line path names it
            return None

        customer = self.customers.find(_words_at(words, starts + _CUSTOMER_AT, _WORDS))
        article_id = article.astype(np.int64) @ _DECIMAL_PLACES
        known = customer >= 0
        if not np.all(known):
            unknown = (block[at : at + ID_LENGTH] for at in (starts[~known] + _CUSTOMER_AT).tolist())
            if not all(erased_customers.is_erased(customer_id, self.erased) for customer_id in unknown):
                return None
            days, price, channel = days[known], price[known], channel[known]
            article_id, customer = article_id[known], customer[known]
        if not np.all(self.articles.known(article_id)):
            return None
        return days, price, channel.astype(np.int16), article_id, customer

    def _convert_slowly(self, first_line: int, block: bytes) -> tuple[np.ndarray, ...]:
        parsed = (
            self._parse_line(first_line + offset, line) for offset, line in enumerate(block.split(b"\n")[:-1])
        )
        rows = [row for row in parsed if row is not None]
        days, price, channel, article, customer = zip(*rows, strict=True) if rows else ((),) * 5
        return (
            np.array(days, np.int32), np.array(price, np.float64), np.array(channel, np.int16),
            np.array(article, np.int64), np.array(customer, np.int64),
        )  # fmt: skip

    def _parse_line(self, line_no: int, line: bytes) -> tuple[int, float, int, int, int] | None:
        """The line's values; None for a line of an erased customer."""
        broken = line_break_in_line(TRANSACTIONS, self.columns, line, line_no)
        if broken is not None:
            raise broken
        try:
            fields = split_csv_line(line)
        except csv.Error as error:
            raise ImportInputError(
                TRANSACTIONS.filename, f"is not valid csv ({error})", line=line_no
            ) from None
        if fields is None or b"\x00" in line:
            raise line_text_error(TRANSACTIONS, self.columns, line, line_no) or ImportInputError(
                TRANSACTIONS.filename, "is not UTF-8 text", line=line_no
            )
        check_field_count(TRANSACTIONS, self.columns, fields, line_no)
        raw = {column.field: value for column, value in zip(self.columns, fields, strict=True)}
        by_field = self.by_field
        customer_id = raw["customer_id"]
        customer = self.customers.get(customer_id.encode())
        if customer is None and erased_customers.is_erased(customer_id, self.erased):
            return None

        def fail(field: str, problem: str) -> ImportInputError:
            return ImportInputError(TRANSACTIONS.filename, problem, line=line_no, field=by_field[field].name)

        def parsed(field: str) -> Any:
            try:
                return by_field[field].parse(raw[field])
            except ValueError as error:
                raise fail(field, str(error)) from None

        day = parsed("t_dat")
        assert isinstance(day, dt.date)
        if customer is None:
            parsed("customer_id")  # empty or too long: said as on SQLite, before "unknown"
            raise fail(
                "customer_id", f"unknown customer {customer_id!r}: not in customers.csv or the database"
            )
        if not _WHOLE_NUMBER.fullmatch(raw["article_id"]):
            raise fail("article_id", f"{raw['article_id']!r} is not a whole number")
        article = parsed("article_id")
        if not self.articles.known(np.array([article], np.int64))[0]:
            raise fail(
                "article_id",
                f"unknown article {raw['article_id'].strip()}: not in articles.csv or the database",
            )
        if raw["price"] == "":
            raise fail("price", "is empty")
        if not FLOAT_TEXT.fullmatch(raw["price"]):
            raise fail("price", f"{raw['price']!r} is not a number")
        # Negative or not finite: the table's check constraint says so, with this line.
        price = float(raw["price"])
        channel = parsed("sales_channel_id")
        return (day - POSTGRES_EPOCH).days, price, channel, article, customer


def _words_at(words: np.ndarray, positions: np.ndarray, count: int) -> np.ndarray:
    """(rows, count) uint64: the count 8-byte words that follow each position."""
    return np.stack([words[positions + 8 * word] for word in range(count)], axis=1)


def _days(digits: np.ndarray) -> np.ndarray | None:
    """Days since 2000-01-01 from YYYYMMDD digit columns; None when any date does not exist."""
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 4] * 10 + digits[:, 5]
    day = digits[:, 6] * 10 + digits[:, 7]
    if np.any(year < 1) or np.any((month < 1) | (month > 12)) or np.any(day < 1):
        return None
    first_of_month = (year - 1970).astype("M8[Y]").astype("M8[M]") + (month - 1)
    month_length = ((first_of_month + 1).astype("M8[D]") - first_of_month.astype("M8[D]")).astype(np.int32)
    if np.any(day > month_length):
        return None
    dates = first_of_month.astype("M8[D]") + (day - 1)
    return (dates - np.datetime64(POSTGRES_EPOCH, "D")).astype(np.int32)


def _pack(first_id: int, days: np.ndarray, price: np.ndarray, channel: np.ndarray,
          article: np.ndarray, customer: np.ndarray) -> np.ndarray:  # fmt: skip
    rows = np.empty(len(days), ROW)
    rows["fields"] = len(COPY_COLUMNS)
    for value in _VALUES:
        rows[f"{value}_size"] = ROW[value].itemsize
    rows["id"] = np.arange(first_id, first_id + len(days), dtype=np.int64)
    rows["t_dat"], rows["price"], rows["channel"] = days, price, channel
    rows["article"], rows["customer"] = article, customer
    return rows
