import datetime as dt

import numpy as np
import pytest

from accounts.models import Purchase
from recommendations.collaborative import interactions
from recommendations.collaborative.interactions import (
    IdMap,
    PurchaseLog,
    build_matrix,
    day_number,
    load_purchase_log,
    purchase_weights,
    sorted_distinct,
)
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory


@pytest.mark.django_db
def test_it_reads_every_purchase_from_postgres_in_packed_blocks():
    ada, bob = CustomerFactory(), CustomerFactory()
    top, skirt = ArticleFactory(article_id=959461001), ArticleFactory()
    PurchaseFactory(customer=ada, article=top, t_dat=dt.date(2020, 9, 1))
    PurchaseFactory(customer=ada, article=top, t_dat=dt.date(2020, 9, 3))
    PurchaseFactory(customer=bob, article=skirt, t_dat=dt.date(2019, 1, 31))

    log = load_purchase_log()

    rows = sorted(zip(log.customers.tolist(), log.articles.tolist(), log.days.tolist(), strict=True))
    assert rows == sorted(
        [
            (ada.pk, 959461001, day_number(dt.date(2020, 9, 1))),
            (ada.pk, 959461001, day_number(dt.date(2020, 9, 3))),
            (bob.pk, skirt.article_id, day_number(dt.date(2019, 1, 31))),
        ]
    )
    assert log.customers.dtype == np.int32 and log.articles.dtype == np.int64 and log.days.dtype == np.int32


@pytest.mark.django_db
def test_it_reads_an_empty_table():
    assert len(load_purchase_log()) == 0


@pytest.mark.django_db
def test_it_reads_a_table_of_many_blocks_inside_a_transaction(monkeypatch):
    from recommendations.collaborative import interactions

    monkeypatch.setattr(interactions, "BLOCK_PAGES", 1)
    customer, article = CustomerFactory(), ArticleFactory()
    PurchaseFactory.create_batch(5, customer=customer, article=article)
    seen = []

    log = load_purchase_log(progress=seen.append)

    assert len(log) == 5 and set(log.customers.tolist()) == {customer.pk}
    assert seen and seen[-1] <= 5


@pytest.mark.django_db(transaction=True)
def test_committed_purchases_are_read_over_several_connections_in_page_order(monkeypatch):
    from recommendations.collaborative import interactions

    monkeypatch.setattr(interactions, "BLOCK_PAGES", 1)
    customers, articles = CustomerFactory.create_batch(3), ArticleFactory.create_batch(4)
    # Enough rows for a dozen heap pages, so both connections read several blocks each.
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i % 300) for i in range(1500)]
    Purchase.objects.bulk_create(
        Purchase(
            customer=customers[i % 3], article=articles[i % 4], t_dat=day, price=0.01, sales_channel_id=1
        )
        for i, day in enumerate(days)
    )
    seen = []

    log = load_purchase_log(progress=seen.append)

    assert log.days.tolist() == [day_number(day) for day in days]  # insertion order is page order
    assert log.customers.tolist() == [customers[i % 3].pk for i in range(1500)]
    assert log.articles.tolist() == [articles[i % 4].article_id for i in range(1500)]
    assert len(seen) > 10 and seen[-1] == 1500


@pytest.mark.django_db(transaction=True)
def test_a_read_during_an_import_that_truncated_the_table_waits_and_sees_its_rows(monkeypatch):
    """TRUNCATE is not MVCC-safe: a snapshot taken while an import holds the truncated table saw
    it empty after the import committed (a retrain then failed: 'no purchases to learn from')."""
    import threading
    import time

    import psycopg
    from django.db import connection

    customer, article = CustomerFactory(), ArticleFactory()
    PurchaseFactory(customer=customer, article=article)
    parameters = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context")
    }
    importer = psycopg.connect(**parameters)  # its own transaction, as import_hm's
    importer.execute("TRUNCATE accounts_purchase")
    importer.execute(
        "INSERT INTO accounts_purchase (t_dat, customer_id, article_id, price, sales_channel_id) "
        "SELECT DATE '2020-09-01', %s, %s, 0.01, 1 FROM generate_series(1, 3)",
        [customer.pk, article.article_id],
    )
    logs = []
    reader = threading.Thread(target=lambda: logs.append(load_purchase_log()))
    reader.start()
    time.sleep(0.5)  # the reader is waiting for the import's lock by now
    assert not logs
    importer.commit()
    importer.close()
    reader.join(timeout=30)

    assert len(logs[0]) == 3


@pytest.mark.django_db(transaction=True)
def test_readers_that_could_not_all_lock_the_table_let_go_and_start_again(monkeypatch):
    import psycopg

    PurchaseFactory.create_batch(2)
    real = interactions._share_one_snapshot
    attempts = []

    def first_attempt_times_out(readers, sql):
        attempts.append(len(readers))
        real(readers, sql)
        if len(attempts) == 1:
            raise psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")

    monkeypatch.setattr(interactions, "_share_one_snapshot", first_attempt_times_out)
    monkeypatch.setattr(interactions.time, "sleep", lambda seconds: None)

    assert len(load_purchase_log()) == 2
    assert len(attempts) == 2  # the first attempt's transactions were rolled back, then begun anew


def test_id_maps_give_dense_positions_and_minus_one_for_strangers():
    ids = IdMap.of(np.array([30, 10, 20, 10]))
    assert ids.ids.tolist() == [10, 20, 30]
    assert ids.positions(np.array([20, 30, 99, 10])).tolist() == [1, 2, -1, 0]
    assert ids.position(99) is None and ids.position(30) == 2
    assert IdMap.of(np.array([], dtype=np.int64)).positions(np.array([1])).tolist() == [-1]


@pytest.mark.parametrize("spacing", [1, 3, 1_000_003])  # a lookup table (dense ids), else sorting
def test_id_maps_look_up_many_ids_at_once_as_they_look_up_each(monkeypatch, spacing):
    monkeypatch.setattr(interactions, "BULK_LOOKUP", 10)
    rng = np.random.default_rng(spacing)
    ids = IdMap.of(np.arange(5, 4_005) * spacing)
    # Known ids, strangers between, below and above them, and repeats, in any order.
    values = np.concatenate(
        [ids.ids[rng.integers(0, len(ids), 3_000)], rng.integers(-50, 4_100 * spacing, 500)]
    )
    rng.shuffle(values)

    one_by_one = [ids.position(int(value)) for value in values]

    assert ids.positions(values).tolist() == [-1 if found is None else found for found in one_by_one]
    assert ids.positions(values.reshape(50, -1)).tolist() == ids.positions(values).reshape(50, -1).tolist()


def test_the_matrix_sums_purchase_counts_per_customer_and_article():
    day = dt.date(2020, 9, 20)
    log = PurchaseLog.from_rows([(1, 500, day), (1, 500, day), (1, 600, day), (2, 600, day)])
    customers, articles = IdMap.of(log.customers), IdMap.of(log.articles)

    matrix = build_matrix(log, customers=customers, articles=articles)

    assert matrix.shape == (2, 2) and matrix.dtype == np.float32
    assert matrix.toarray().tolist() == [[2.0, 1.0], [0.0, 1.0]]


def test_time_decay_halves_a_purchase_every_half_life():
    last = dt.date(2020, 9, 22)
    log = PurchaseLog.from_rows(
        [(1, 500, last), (1, 500, last - dt.timedelta(days=14)), (1, 600, last - dt.timedelta(days=28))]
    )

    matrix = build_matrix(
        log, customers=IdMap.of(log.customers), articles=IdMap.of(log.articles), half_life_days=14
    )

    assert matrix.toarray()[0].tolist() == pytest.approx([1.0 + 0.5, 0.25])


def test_purchases_after_the_reference_day_are_not_boosted():
    weights = purchase_weights(np.array([100, 110]), reference_day=105, half_life_days=5)
    assert weights.tolist() == pytest.approx([0.5, 1.0])


def test_the_matrix_drops_purchases_outside_the_id_maps():
    day = dt.date(2020, 9, 20)
    log = PurchaseLog.from_rows([(1, 500, day), (2, 600, day), (3, 700, day)])

    matrix = build_matrix(log, customers=IdMap(np.array([1, 2])), articles=IdMap(np.array([500, 700])))

    assert matrix.toarray().tolist() == [[1.0, 0.0], [0.0, 0.0]]


@pytest.mark.django_db
def test_the_cursor_path_for_other_databases_reads_the_same_rows():
    from django.db import connection

    from recommendations.collaborative import interactions

    PurchaseFactory.create_batch(3, t_dat=dt.date(2020, 9, 1))
    PurchaseFactory(t_dat=dt.date(2020, 9, 2))

    by_copy = load_purchase_log()
    by_cursor = interactions._load_with_cursor(connection, None)

    for name in ("customers", "articles", "days"):
        assert sorted(getattr(by_cursor, name).tolist()) == sorted(getattr(by_copy, name).tolist())


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize(
    "values",
    [[], [0, 0], [99, 99], [5, 0, 99, 5, 5, 0, 42, 99, 1], list(range(99, -1, -1)) * 3],
    ids=["empty", "zero", "below-1", "repeats", "every-value"],
)
def test_sorted_distinct_is_np_unique_by_table_and_by_sorting(values, dtype):
    values = np.array(values, dtype=dtype)
    flags = interactions.DENSE_FLAGS_PER_VALUE * values.size
    # Every value is below 100. The table is taken while `below` allows at most
    # DENSE_FLAGS_PER_VALUE flags per value (none are allowed for no values), sorting beyond.
    by_table = 100 if values.size else 0
    by_sorting = flags + 100
    assert by_table <= flags < by_sorting

    for below in (by_table, by_sorting, None):
        distinct = sorted_distinct(values, below=below)

        assert distinct.tolist() == np.unique(values).tolist()
        assert distinct.dtype == dtype


@pytest.mark.parametrize("by", ["table", "sorting"])
def test_sorted_distinct_names_the_values_outside_its_range(by):
    below = 100 if by == "table" else interactions.DENSE_FLAGS_PER_VALUE * 4 + 100

    for wrong in (-1, below, 2**40):
        values = np.array([3, wrong, 7, wrong], dtype=np.int64)

        with pytest.raises(ValueError, match=rf"\[{wrong}\] are outside \[0, {below}\)"):
            sorted_distinct(values, below=below)
