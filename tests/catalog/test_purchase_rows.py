"""The binary row converter: its numpy path and its line-by-line path read every value alike."""

import datetime as dt

import numpy as np
import pytest
from django.db import connection

from accounts.models import Customer
from catalog.importer import csv_files, purchase_rows
from catalog.importer.csv_files import line_blocks
from catalog.importer.errors import ImportInputError
from catalog.importer.purchase_rows import ROW, ArticleKeys, CustomerKeys, PurchaseRowConverter
from catalog.importer.schema import TRANSACTIONS
from tests.factories import CustomerFactory

CUSTOMERS = [bytes(f"{n:064x}", "ascii") for n in (7, 11, 2**200 + 5)]
ARTICLES = [108775015, 108775044, 953450001]
PRICES = ["0.0508474576271186", "0.03", "1e-3", ".5", "7.", "0.016932203389830508", "12", "3E+2"]
DATES = ["2018-09-20", "2019-02-28", "2020-02-29", "2020-12-31", "2000-01-01", "1999-12-31"]


def _keys() -> tuple[CustomerKeys, ArticleKeys]:
    words = np.frombuffer(b"".join(CUSTOMERS), "<u8").reshape(len(CUSTOMERS), 8)
    customers = CustomerKeys(words, np.array([101, 102, 103]), {b"short-id": 104})
    return customers, ArticleKeys(np.array(ARTICLES))


def _lines(count: int) -> list[str]:
    return [
        f"{DATES[n % len(DATES)]},{CUSTOMERS[n % 3].decode()},{ARTICLES[n % 3]:010d},"
        f"{PRICES[n % len(PRICES)]},{1 + n % 2}\n"
        for n in range(count)
    ]


def _converter(first_id: int = 1) -> PurchaseRowConverter:
    return PurchaseRowConverter(list(TRANSACTIONS.columns), *_keys(), first_id)


def _rows(data: bytes) -> np.ndarray:
    return np.frombuffer(data, ROW)


def _expected(line: str) -> tuple:
    day, customer, article, price, channel = line.strip().split(",")
    return (
        (dt.date.fromisoformat(day) - dt.date(2000, 1, 1)).days,
        float(price),
        int(channel),
        int(article),
        101 + CUSTOMERS.index(customer.encode()),
    )


def test_the_numpy_path_reads_every_value_as_python_does():
    lines = _lines(50)
    converter = _converter(first_id=500)

    quick = converter._convert_quickly("".join(lines).encode())

    assert quick is not None
    assert [tuple(column[n].item() for column in quick) for n in range(50)] == [
        _expected(line) for line in lines
    ]


def test_both_paths_write_the_same_rows_and_number_them_on():
    block = "".join(_lines(40)).encode()
    fast = _converter(first_id=500)
    slow = _converter(first_id=500)
    slow.fast = False

    data, count = fast.convert(2, block)
    again, _ = fast.convert(42, block)

    assert count == 40
    assert data == slow.convert(2, block)[0]
    assert list(_rows(data)["id"]) == list(range(500, 540))
    assert list(_rows(again)["id"]) == list(range(540, 580))


def _blocks(lines: list[str], size: int) -> list[tuple[int, bytes]]:
    starts = range(0, len(lines), size)
    return [(2 + start, "".join(lines[start : start + size]).encode()) for start in starts]


def test_blocks_parsed_on_threads_come_back_in_file_order_numbered_on():
    lines = _lines(300)
    lines[101] = f'"{lines[101][:10]}"{lines[101][10:]}'  # one block goes line by line
    blocks = _blocks(lines, 7)  # more blocks than the workers have queued

    threaded = list(_converter(first_id=500).convert_blocks(blocks, workers=3))

    one_thread = _converter(first_id=500)
    assert threaded == [one_thread.convert(first, block) for first, block in blocks]
    assert list(np.frombuffer(b"".join(data for data, _ in threaded), ROW)["id"]) == list(range(500, 800))


def test_the_first_bad_line_in_file_order_stops_threaded_parsing():
    lines = _lines(200)
    for bad in (60, 180):  # in the second and the fourth block
        lines[bad] = "2021-02-30" + lines[bad][10:]
    converted = _converter().convert_blocks(_blocks(lines, 50), workers=4)

    assert next(converted)[1] == 50
    with pytest.raises(ImportInputError) as caught:
        list(converted)

    assert (caught.value.line, caught.value.field) == (62, "t_dat")


@pytest.mark.parametrize(
    "change",
    [
        lambda line: line.replace("\n", "\r\n"),  # Windows line ends
        lambda line: f'"{line[:10]}"{line[10:]}',  # a quoted field
        # a space before the article id (",0" first matched the customer id, all leading zeros here)
        lambda line: ",".join(f" {field}" if at == 2 else field for at, field in enumerate(line.split(","))),
        lambda line: line.rsplit(",", 1)[0] + ",12\n",  # a two-digit channel
    ],
)
def test_a_block_with_an_unusual_line_is_read_line_by_line_with_the_same_values(change):
    lines = _lines(20)
    lines[7] = change(lines[7])
    converter = _converter()

    assert converter._convert_quickly("".join(lines).encode()) is None
    rows = _rows(converter.convert(2, "".join(lines).encode())[0])

    expected = [_expected(line) for line in _lines(20)]
    expected[7] = (*expected[7][:2], 12 if "12\n" in lines[7] else expected[7][2], *expected[7][3:])
    got = [
        (int(r["t_dat"]), float(r["price"]), int(r["channel"]), int(r["article"]), int(r["customer"]))
        for r in rows
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("t_dat", "2021-02-29", "'2021-02-29' is not a date (YYYY-MM-DD)"),
        ("t_dat", "2020-00-10", "'2020-00-10' is not a date (YYYY-MM-DD)"),
        ("customer_id", "e" * 64, f"unknown customer {'e' * 64!r}: not in customers.csv or the database"),
        ("article_id", "0108775099", "unknown article 0108775099: not in articles.csv or the database"),
        ("price", "1.2.3", "'1.2.3' is not a number"),
        ("price", "1_0", "'1_0' is not a number"),
        ("price", "", "is empty"),
    ],
)
def test_a_bad_value_in_a_block_names_its_own_line(field, value, problem):
    lines = _lines(30)
    position = TRANSACTIONS.header.index(field)
    fields = lines[12].strip().split(",")
    fields[position] = value
    lines[12] = ",".join(fields) + "\n"

    with pytest.raises(ImportInputError) as caught:
        _converter().convert(100, "".join(lines).encode())

    assert (caught.value.line, caught.value.field, caught.value.problem) == (112, field, problem)


def test_customer_ids_of_other_lengths_are_found_line_by_line():
    line = f"2020-09-01,short-id,{ARTICLES[0]:010d},0.5,2\n"

    rows = _rows(_converter().convert(2, (_lines(3)[0] + line).encode())[0])

    assert list(rows["customer"]) == [101, 104]


def test_a_customer_is_found_only_by_its_whole_id():
    customers, _ = _keys()
    near = CUSTOMERS[0][:-1] + b"8"  # shares 63 of 64 characters

    words = np.frombuffer(b"".join([CUSTOMERS[2], near, CUSTOMERS[0]]), "<u8").reshape(3, 8)

    assert list(customers.find(words)) == [103, -1, 101]


def test_customers_sharing_a_hash_are_still_told_apart(monkeypatch):
    monkeypatch.setattr(purchase_rows, "_word_hash", lambda words: np.zeros(len(words), np.uint64))
    converter = _converter()
    lines = _lines(6)

    rows = _rows(converter.convert(2, "".join(lines).encode())[0])

    assert not converter.fast
    assert list(rows["customer"]) == [_expected(line)[4] for line in lines]


def test_blocks_hold_whole_lines_and_count_them(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_files, "CHUNK_BYTES", 250)
    lines = _lines(9)
    path = tmp_path / "transactions_train.csv"
    path.write_text(",".join(TRANSACTIONS.header) + "\n" + "".join(lines).rstrip("\n"))  # no final newline

    blocks = list(line_blocks(path))

    assert len(blocks) > 2
    assert b"".join(block for _, block in blocks).decode() == "".join(lines)
    firsts = [first for first, _ in blocks]
    counts = [block.count(b"\n") for _, block in blocks]
    assert firsts == [2 + sum(counts[:n]) for n in range(len(blocks))]


@pytest.mark.django_db
def test_customer_keys_load_every_customer_in_batches(monkeypatch):
    monkeypatch.setattr(purchase_rows, "CUSTOMER_BATCH", 4)
    customers = CustomerFactory.create_batch(11)
    customers[5].delete()  # a gap in the ids
    short = CustomerFactory(customer_id="hand-made")
    cursor = connection.connection.cursor()

    keys = CustomerKeys.load(cursor, Customer._meta.db_table)

    kept = [customer for n, customer in enumerate(customers) if n != 5]
    words = np.frombuffer(b"".join(c.customer_id.encode() for c in kept), "<u8").reshape(len(kept), 8)
    assert list(keys.find(words)) == [customer.id for customer in kept]
    assert keys.get(customers[5].customer_id.encode()) is None
    assert keys.get(b"hand-made") == short.id


class _Undercounting:
    """A cursor whose customer count comes out as 1, as if the others committed after it."""

    def __init__(self, cursor):
        self.cursor, self.connection, self.counting = cursor, cursor.connection, False

    def execute(self, sql, params=None):
        self.counting = sql.startswith("SELECT count(*)")
        return self.cursor.execute(sql, params)

    def fetchone(self):
        row = self.cursor.fetchone()
        return (1, *row[1:]) if self.counting else row

    def fetchall(self):
        return self.cursor.fetchall()


@pytest.mark.django_db
def test_customer_keys_make_room_for_customers_committed_after_the_count(monkeypatch):
    monkeypatch.setattr(purchase_rows, "CUSTOMER_BATCH", 3)
    customers = CustomerFactory.create_batch(7)

    keys = CustomerKeys.load(_Undercounting(connection.connection.cursor()), Customer._meta.db_table)

    assert [keys.get(customer.customer_id.encode()) for customer in customers] == [c.id for c in customers]


def test_no_customers_and_no_articles_know_nothing():
    customers = CustomerKeys(np.empty((0, 8), "<u8"), np.empty(0, np.int64), {})
    words = np.frombuffer(CUSTOMERS[0], "<u8").reshape(1, 8)

    assert list(customers.find(words)) == [-1]
    assert list(ArticleKeys(np.empty(0, np.int64)).known(np.array(ARTICLES))) == [False, False, False]


def test_article_keys_tell_every_stored_id_from_its_neighbours():
    # Ids that run in steps, as H&M's colour variants do, so that many share their low bits.
    stored = np.arange(108775001, 108775001 + 3000 * 1000, 1000)
    keys = ArticleKeys(stored)

    assert keys.known(stored).all()
    assert not keys.known(np.concatenate([stored + 1, stored - 1, [0, -5, 2**62]])).any()


@pytest.mark.parametrize("home", ["first", "last"])
def test_keys_that_all_want_one_slot_are_each_found(monkeypatch, home):
    # Every key hashed to the table's first slot, or to its last, where the run of taken slots
    # has to go on past the end.
    def one_slot(self, mixed):
        return np.full(len(mixed), 0 if home == "first" else (1 << self.bits) - 1, np.int64)

    monkeypatch.setattr(purchase_rows._Slots, "_top_bits", one_slot)
    stored = np.arange(1000, 1000 + 7 * 300, 7, dtype=np.int64)
    keys = ArticleKeys(stored[::-1])

    assert keys.known(stored).all()
    assert not keys.known(np.concatenate([stored + 1, [0, 2**40]])).any()


ERASED = bytes(f"{13:064x}", "ascii")


@pytest.mark.parametrize("unusual", [False, True], ids=["numpy path", "line by line"])
def test_lines_of_erased_customers_are_left_out_and_counted(unusual):
    from accounts.models import ErasedCustomer

    lines = _lines(8)
    theirs = [line.replace(CUSTOMERS[1].decode(), ERASED.decode()) for line in (lines[1], lines[4])]
    if unusual:
        lines[5] = lines[5].replace("\n", "\r\n")  # Windows line end: the block goes line by line
    converter = PurchaseRowConverter(
        list(TRANSACTIONS.columns), *_keys(), 1, erased=frozenset([ErasedCustomer.digest_of(ERASED)])
    )

    data, count = converter.convert(2, "".join([lines[0], *theirs, *lines[1:]]).encode())

    assert (count, converter.skipped) == (8, 2)
    assert list(_rows(data)["customer"]) == [_expected(line.strip() + "\n")[4] for line in lines]
    assert list(_rows(data)["id"]) == list(range(1, 9))
