import datetime as dt
import shutil
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from accounts.models import Customer, Purchase
from catalog.importer import bulk_indexes
from catalog.importer.csv_files import parsed_rows, read_header
from catalog.importer.errors import ImportInputError
from catalog.importer.schema import CUSTOMERS
from catalog.models import Article
from tests.catalog.hm_data import line_count, read_rows, run_import, set_field, write_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _schema_of_purchases():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'accounts_purchase' ORDER BY 1")
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'accounts_purchase'::regclass "
            "ORDER BY 1"
        )
        return indexes, cursor.fetchall()


def test_it_imports_every_row_of_every_file(hm_files):
    run_import(hm_files)

    assert Article.objects.count() == line_count(hm_files / "articles.csv") - 1
    assert Customer.objects.count() == line_count(hm_files / "customers.csv") - 1
    assert Purchase.objects.count() == line_count(hm_files / "transactions_train.csv") - 1
    first = read_rows(hm_files / "articles.csv")[0]
    article = Article.objects.get(article_id=int(first["article_id"]))
    assert article.prod_name == first["prod_name"]
    assert article.colour_group_code == int(first["colour_group_code"])
    assert article.slug == article.make_slug()
    assert Article.objects.filter(search_vector__isnull=True).count() == 0


def test_it_derives_price_first_sale_and_popularity_from_purchases(hm_files):
    run_import(hm_files)

    sold = Article.objects.filter(purchases__isnull=False).distinct()
    assert sold.exists()
    assert not sold.filter(price__isnull=True).exists()
    assert not sold.filter(first_sold_on__isnull=True).exists()
    last_day = Purchase.objects.latest("t_dat").t_dat
    recent = Article.objects.filter(purchases__t_dat__gt=last_day - dt.timedelta(days=7)).distinct()
    assert not recent.filter(popularity=0).exists()
    assert not Article.objects.exclude(pk__in=recent).exclude(popularity=0).exists()


def test_running_it_twice_on_the_same_files_changes_nothing(hm_files):
    run_import(hm_files)
    counts = (Article.objects.count(), Customer.objects.count(), Purchase.objects.count())
    before = list(Article.objects.values_list("article_id", "slug", "price", "popularity", "image_sha256"))

    summary = run_import(hm_files)

    assert (Article.objects.count(), Customer.objects.count(), Purchase.objects.count()) == counts
    assert (
        list(Article.objects.values_list("article_id", "slug", "price", "popularity", "image_sha256"))
        == before
    )
    assert summary.report("articles.csv").changed == 0
    assert summary.report("customers.csv").changed == 0
    assert summary.report("images").changed == 0


def test_an_articles_file_that_leaves_some_out_keeps_them_and_says_so(hm_files, tmp_path):
    run_import(hm_files)
    assert run_import(hm_files).report("articles.csv").notes == []
    sold = Purchase.objects.values_list("article_id", flat=True).first()
    unsold = Article.objects.filter(purchases__isnull=True).values_list("article_id", flat=True).first()
    rows = read_rows(hm_files / "articles.csv")
    shorter = tmp_path / "shorter"
    shorter.mkdir()
    kept = [row for row in rows if int(row["article_id"]) not in {sold, unsold}]
    write_rows(shorter / "articles.csv", list(rows[0]), kept)

    summary = run_import(shorter)

    assert Article.objects.filter(article_id__in=[sold, unsold]).count() == 2
    notes = summary.report("articles.csv").notes
    (note,) = notes
    assert note.startswith("kept 2 articles not in this file") and "take one off sale" in note


def test_a_weekly_file_replaces_only_the_dates_it_holds(hm_files, tmp_path):
    run_import(hm_files)
    rows = read_rows(hm_files / "transactions_train.csv")
    last_day = max(row["t_dat"] for row in rows)
    older = Purchase.objects.exclude(t_dat=dt.date.fromisoformat(last_day)).count()
    weekly = tmp_path / "weekly"
    weekly.mkdir()
    last_rows = [row for row in rows if row["t_dat"] == last_day]
    write_rows(weekly / "transactions_train.csv", list(rows[0]), last_rows[:3])

    run_import(weekly)

    assert Purchase.objects.count() == older + 3
    assert Purchase.objects.filter(t_dat=dt.date.fromisoformat(last_day)).count() == 3


def test_a_bulk_load_of_some_dates_keeps_the_other_dates_rows_and_their_ids(hm_files, tmp_path):
    run_import(hm_files)
    rows = read_rows(hm_files / "transactions_train.csv")
    dates = sorted({row["t_dat"] for row in rows})
    later = set(dates[len(dates) // 2 :])  # half the dates: a bulk load
    kept = list(
        Purchase.objects.exclude(t_dat__in=later)
        .order_by("id")
        .values_list("id", "t_dat", "customer_id", "price")
    )
    part = tmp_path / "part"
    part.mkdir()
    replacing = [{**row, "price": "0.5"} for row in rows if row["t_dat"] in later]
    write_rows(part / "transactions_train.csv", list(rows[0]), replacing)

    summary = run_import(part)

    assert "indexes rebuilt after the load" in summary.report("transactions_train.csv").notes
    assert (
        list(
            Purchase.objects.exclude(t_dat__in=later)
            .order_by("id")
            .values_list("id", "t_dat", "customer_id", "price")
        )
        == kept
    )
    assert Purchase.objects.filter(t_dat__in=later).count() == len(replacing)
    assert set(Purchase.objects.filter(t_dat__in=later).values_list("price", flat=True)) == {0.5}
    assert Article.objects.exclude(price=None).exists()  # statistics read the loaded rows


def test_purchases_of_a_new_date_are_added_to_the_stored_ones(hm_files, tmp_path):
    run_import(hm_files)
    stored = Purchase.objects.count()
    rows = read_rows(hm_files / "transactions_train.csv")
    weekly = tmp_path / "weekly"
    weekly.mkdir()
    write_rows(weekly / "transactions_train.csv", list(rows[0]), [{**rows[0], "t_dat": "2020-09-23"}])

    run_import(weekly)

    assert Purchase.objects.count() == stored + 1
    assert Purchase.objects.latest("t_dat").t_dat == dt.date(2020, 9, 23)


def test_a_large_load_rebuilds_the_indexes_and_keys_it_set_aside(hm_files):
    before = _schema_of_purchases()

    summary = run_import(hm_files)

    assert "indexes rebuilt after the load" in summary.report("transactions_train.csv").notes
    indexes, constraints = _schema_of_purchases()
    assert indexes == before[0]
    assert [name for name, _validated in constraints] == [name for name, _validated in before[1]]
    assert all(validated for _name, validated in before[1])


@pytest.mark.django_db(transaction=True)
def test_pages_keep_reading_while_a_bulk_load_of_purchases_runs(hm_files, monkeypatch):
    """The load fills a new table and swaps it in at the end: until then articles, customers and
    the old purchases stay readable (setting keys aside on the table itself locked them all)."""
    import threading

    import psycopg

    from catalog.importer import table_swap

    run_import(hm_files, images=False)
    stored = Purchase.objects.count()
    building, checked = threading.Event(), threading.Event()
    real_build = table_swap.build

    def build_after_the_check(cursor, swap):
        building.set()
        checked.wait(timeout=30)
        real_build(cursor, swap)

    monkeypatch.setattr(table_swap, "build", build_after_the_check)
    errors = []

    def reimport():
        try:
            run_import(hm_files, images=False)  # every date again: a bulk load
        except Exception as error:  # reported below, on the test's thread
            errors.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=reimport)
    worker.start()
    assert building.wait(timeout=60)
    parameters = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context")
    }
    try:
        with psycopg.connect(**parameters, autocommit=True) as page:
            page.execute("SET lock_timeout = '1s'")
            counts = [
                page.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("catalog_article", "accounts_customer", "accounts_purchase")
            ]
            # The new table has no keys yet: an article the file refers to must not go meanwhile.
            with pytest.raises(psycopg.errors.LockNotAvailable):
                page.execute("DELETE FROM catalog_article WHERE article_id = -1")
    finally:
        checked.set()
        worker.join(timeout=60)

    assert not errors
    assert counts[2] == stored and all(counts)
    assert Purchase.objects.count() == stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'accounts_purchase_replaced%%'")
        assert cursor.fetchone()[0] == 0  # the old table was dropped after the commit


@pytest.mark.django_db(transaction=True)
def test_a_staff_save_caught_in_the_swap_gives_way_and_the_import_goes_through(hm_files, monkeypatch):
    """A save that read the articles, then queued behind the load's lock, holds what the swap needs:
    a deadlock, in which PostgreSQL ended the import (the audit's "5 of 5"). The web gives up its
    wait (storefront.db_locks); the import tries again instead of failing."""
    import threading

    import psycopg

    from catalog.importer import table_swap

    run_import(hm_files, images=False)
    stored = Purchase.objects.count()
    article = Article.objects.order_by("article_id").first()
    parameters = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context")
    }
    saved: list[BaseException | None] = []

    def staff_save() -> None:
        with psycopg.connect(**parameters) as page:  # one transaction, as the admin's save
            page.execute("SET lock_timeout = '3s'")  # as WEB_LOCK_TIMEOUT_SECONDS does
            page.execute("SELECT prod_name FROM catalog_article WHERE article_id = %s", [article.pk])
            try:
                page.execute(
                    "UPDATE catalog_article SET prod_name = 'Saved' WHERE article_id = %s", [article.pk]
                )
                saved.append(None)
            except psycopg.Error as error:
                saved.append(error)

    real_lock = table_swap._lock_waiting_in_turns
    save = threading.Thread(target=staff_save)

    def lock_while_a_save_waits(cursor, tables):
        save.start()
        with psycopg.connect(**parameters, autocommit=True) as watcher:
            for _ in range(100):
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'UPDATE catalog_article%%'"
                ).fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
        assert waiting
        time.sleep(1.5)  # past deadlock_timeout (1 s): the save has looked for a deadlock, found none
        real_lock(cursor, tables)

    monkeypatch.setattr(table_swap, "_lock_waiting_in_turns", lock_while_a_save_waits)
    try:
        run_import(hm_files, images=False)  # every date again: a bulk load, through the swap
    finally:
        save.join(timeout=30)

    assert Purchase.objects.count() == stored
    assert isinstance(saved[0], psycopg.errors.LockNotAvailable | psycopg.errors.DeadlockDetected)
    article.refresh_from_db()
    assert article.prod_name != "Saved"


@pytest.mark.django_db(transaction=True)
def test_a_replaced_table_left_by_a_crash_holds_nothing_up_and_goes_at_the_next_import(hm_files, monkeypatch):
    from catalog.importer import transactions as transactions_module

    run_import(hm_files, images=False)
    monkeypatch.setattr(transactions_module, "_drop_replaced_tables", lambda: None)  # "crashed" there
    run_import(hm_files, images=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, (SELECT count(*) FROM pg_constraint k "
            "                   WHERE k.conrelid = c.oid AND k.contype = 'f') "
            "FROM pg_class c WHERE c.relname LIKE 'accounts_purchase_replaced%%' AND c.relkind = 'r'"
        )
        leftovers = cursor.fetchall()
    assert len(leftovers) == 1 and leftovers[0][1] == 0
    # Its rows refer to every customer; without its keys, deleting one (and its purchases) works.
    Customer.objects.filter(purchases__isnull=False).first().delete()
    monkeypatch.undo()

    run_import(hm_files, images=False)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'accounts_purchase_replaced%%'")
        assert cursor.fetchone()[0] == 0


def test_only_an_identity_keyed_table_nobody_refers_to_is_replaced_by_a_copy():
    from catalog.importer import table_swap

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE swap_serial (id serial PRIMARY KEY)")
        cursor.execute("CREATE TABLE swap_identity (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")
        cursor.execute("CREATE TABLE swap_referrer (other bigint REFERENCES swap_identity (id))")
        assert table_swap.can_swap(cursor.cursor, "accounts_purchase")
        assert not table_swap.can_swap(cursor.cursor, "swap_serial")  # its sequence is the old table's
        assert not table_swap.can_swap(cursor.cursor, "swap_identity")  # a key points at it


def test_the_swap_takes_its_locks_in_turns_so_a_long_reader_does_not_stall_pages(monkeypatch):
    import psycopg

    from catalog.importer import table_swap

    attempts = []

    class Cursor:
        def __init__(self, inner):
            self.inner = inner

        def execute(self, sql, *args):
            if sql.startswith("LOCK TABLE") and len(attempts) < 2:
                attempts.append(sql)
                raise psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
            return self.inner.execute(sql, *args)

    monkeypatch.setattr(table_swap.time, "sleep", lambda seconds: None)
    with connection.cursor() as cursor:
        table_swap._lock_waiting_in_turns(Cursor(cursor.cursor), ["accounts_purchase"])
        cursor.execute("SELECT mode FROM pg_locks WHERE relation = 'accounts_purchase'::regclass AND granted")
        modes = {row[0] for row in cursor.fetchall()}
    assert len(attempts) == 2 and "AccessExclusiveLock" in modes


def test_keys_re_added_without_a_validating_scan_still_check_later_writes(hm_files):
    run_import(hm_files)
    _indexes, constraints = _schema_of_purchases()
    # The importer checked every row itself, so its two foreign keys come back NOT VALID.
    assert sorted(name for name, validated in constraints if not validated) == sorted(
        name for name, _validated in constraints if "_fk_" in name
    )
    purchase = Purchase.objects.first()

    for field, value in (("article_id", 1), ("customer_id", -1)):
        with pytest.raises(IntegrityError), transaction.atomic():
            row = {"customer_id": purchase.customer_id, "article_id": purchase.article_id, field: value}
            Purchase.objects.create(t_dat=purchase.t_dat, price=1.0, sales_channel_id=1, **row)
            connection.check_constraints()


def test_purchases_are_numbered_in_file_order_and_later_writes_get_new_ids(hm_files):
    run_import(hm_files)
    rows = read_rows(hm_files / "transactions_train.csv")

    stored = list(Purchase.objects.order_by("id").values_list("id", "t_dat", "price"))

    assert [(day.isoformat(), price) for _id, day, price in stored] == [
        (row["t_dat"], float(row["price"])) for row in rows
    ]
    first = stored[0][0]
    assert [purchase_id for purchase_id, *_ in stored] == list(range(first, first + len(rows)))
    # The importer numbered the rows itself; the id sequence must have moved past them.
    last = Purchase.objects.get(id=stored[-1][0])
    added = Purchase.objects.create(
        t_dat=last.t_dat,
        customer_id=last.customer_id,
        article_id=last.article_id,
        price=1.0,
        sales_channel_id=1,
    )
    assert added.id > stored[-1][0]


def test_a_small_load_keeps_the_indexes_in_place(hm_files, tmp_path):
    run_import(hm_files)
    rows = read_rows(hm_files / "transactions_train.csv")
    weekly = tmp_path / "weekly"
    weekly.mkdir()
    write_rows(weekly / "transactions_train.csv", list(rows[0]), [{**rows[0], "t_dat": "2020-09-23"}])

    summary = run_import(weekly)

    assert "indexes rebuilt after the load" not in summary.report("transactions_train.csv").notes


def test_it_reads_unpadded_ids_quoted_fields_and_other_column_orders(hm_files):
    rows = read_rows(hm_files / "transactions_train.csv")
    header = ["article_id", "t_dat", "price", "sales_channel_id", "customer_id"]
    # H&M pads article ids to ten digits; tools that read them as numbers write them unpadded.
    unpadded = [{**row, "article_id": str(int(row["article_id"]))} for row in rows]
    with (hm_files / "transactions_train.csv").open("w", newline="") as handle:
        handle.write(",".join(header) + "\n")
        for row in unpadded:
            handle.write(",".join(f'"{row[name]}"' for name in header) + "\n")

    run_import(hm_files)

    assert Purchase.objects.count() == len(rows)
    assert Purchase.objects.filter(article_id=int(rows[0]["article_id"])).exists()


@pytest.mark.parametrize("ending", ["\n\n", "\r\n\r\n\r\n", "\n" * 70_000])
def test_blank_lines_at_the_end_of_a_file_are_no_rows(hm_files, ending):
    names = ("articles.csv", "customers.csv", "transactions_train.csv")
    expected = [line_count(hm_files / name) - 1 for name in names]
    for name in names:
        with (hm_files / name).open("a", newline="") as handle:
            handle.write(ending)

    run_import(hm_files, images=False)

    assert [Article.objects.count(), Customer.objects.count(), Purchase.objects.count()] == expected


@pytest.mark.parametrize("name", ["customers.csv", "transactions_train.csv"])  # staged COPY, binary COPY
def test_a_blank_line_between_rows_is_refused_with_its_line(hm_files, name):
    path = hm_files / name
    lines = path.read_text().splitlines()
    lines.insert(4, "")
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(ImportInputError) as caught:
        run_import(hm_files, images=False)

    assert (caught.value.file, caught.value.line, caught.value.problem) == (name, 5, "is an empty line")
    assert not Purchase.objects.exists()


def test_the_sqlite_reader_allows_blank_lines_at_the_end_only(tmp_path):
    path = tmp_path / "customers.csv"
    header = ",".join(CUSTOMERS.header)
    row = "0" * 64 + ",1.0,1.0,ACTIVE,NONE,30," + "a" * 64
    path.write_text(f"{header}\n{row}\n\r\n\n")
    columns = read_header(path, CUSTOMERS)
    assert [line for line, _values in parsed_rows(path, CUSTOMERS, columns)] == [2]

    path.write_text(f"{header}\n\n{row}\n")
    with pytest.raises(ImportInputError) as caught:
        list(parsed_rows(path, CUSTOMERS, columns))
    assert (caught.value.line, caught.value.problem) == (2, "is an empty line")


def test_changed_articles_are_updated_and_keep_their_photos(hm_files):
    run_import(hm_files)
    first = read_rows(hm_files / "articles.csv")[0]
    set_field(hm_files / "articles.csv", 2, "prod_name", "Renamed Tilly top")
    shutil.rmtree(hm_files / "images")

    summary = run_import(hm_files)

    article = Article.objects.get(article_id=int(first["article_id"]))
    assert summary.report("articles.csv").changed == 1
    assert article.prod_name == "Renamed Tilly top"
    assert article.slug.startswith("renamed-tilly-top-")
    assert article.image
    assert Article.objects.filter(pk=article.pk, search_vector="renamed").exists()


def test_customers_keep_their_login_when_reimported(hm_files):
    run_import(hm_files)
    customer = Customer.objects.order_by("pk").first()
    customer.user = UserFactory()
    customer.save(update_fields=["user"])

    run_import(hm_files)

    customer.refresh_from_db()
    assert customer.user is not None


def test_ages_written_as_integers_or_floats_both_load(hm_files):
    set_field(hm_files / "customers.csv", 2, "age", "31")
    set_field(hm_files / "customers.csv", 3, "age", "32.0")
    rows = read_rows(hm_files / "customers.csv")

    run_import(hm_files)

    assert Customer.objects.get(customer_id=rows[0]["customer_id"]).age == 31
    assert Customer.objects.get(customer_id=rows[1]["customer_id"]).age == 32


def test_the_command_prints_what_it_did(hm_files, capsys):
    call_command("import_hm", str(hm_files), verbosity=1)

    output = capsys.readouterr()
    assert "articles.csv: 80 rows, 80 new or changed" in output.out
    assert "transactions_train.csv" in output.err  # the progress bar, with rows per second
    assert "rows/s" in output.err


def test_a_folder_with_only_some_files_imports_those(hm_files):
    (hm_files / "transactions_train.csv").unlink()
    shutil.rmtree(hm_files / "images")

    summary = run_import(hm_files)

    assert [report.name for report in summary.files] == ["articles.csv", "customers.csv"]
    assert Article.objects.exists()
    assert not Purchase.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("foreign_keys", [True, False])
def test_setting_a_tables_keys_aside_locks_the_tables_they_refer_to_unless_kept(foreign_keys):
    """Customers keep their one foreign key (to the users table) through a bulk load: dropping it
    would hold every signed-in page until the import commits."""
    import psycopg

    parameters = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context")
    }
    with transaction.atomic(), connection.cursor() as cursor:
        bulk_indexes.set_aside(cursor.cursor, "accounts_customer", foreign_keys=foreign_keys)
        with psycopg.connect(**parameters, autocommit=True) as page:
            page.execute("SET lock_timeout = '500ms'")
            try:
                page.execute("SELECT count(*) FROM auth_user")
                readable = True
            except psycopg.errors.LockNotAvailable:
                readable = False
        transaction.set_rollback(True)

    assert readable is not foreign_keys


def test_bulk_share_decides_between_rebuilding_and_maintaining():
    assert bulk_indexes.is_bulk(new_rows=1_000, kept_rows=0)
    assert bulk_indexes.is_bulk(new_rows=1_000, kept_rows=2_000)
    assert not bulk_indexes.is_bulk(new_rows=1_000, kept_rows=10_000)
    assert not bulk_indexes.is_bulk(new_rows=0, kept_rows=0)


def test_the_planner_knows_the_articles_popularity_after_an_import(hm_files):
    """The articles' statistics were taken before their popularity was computed ("always 0"), so
    the planner ignored the popularity index the shelves sort by until autovacuum came."""
    run_import(hm_files, images=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_distinct FROM pg_stats WHERE tablename = 'catalog_article' AND attname = 'popularity'"
        )
        (n_distinct,) = cursor.fetchone()
    assert n_distinct != 1  # one value: what the stale statistics said


@pytest.mark.django_db(transaction=True)
def test_after_an_import_listing_ids_come_from_the_index_alone(hm_files):
    """The import rewrites every article it prices; without a VACUUM after it, the index-only
    scans listings page with (catalog.selectors) visit the table for each id until autovacuum
    runs, and this server may not run it."""
    run_import(hm_files, images=False)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            "EXPLAIN (ANALYZE, COSTS OFF, FORMAT JSON) SELECT article_id FROM catalog_article "
            "WHERE is_available ORDER BY popularity DESC, article_id"
        )
        plan = cursor.fetchone()[0][0]["Plan"]
    while "Plans" in plan:  # down to the scan
        plan = plan["Plans"][0]
    assert plan["Actual Rows"] == Article.objects.filter(is_available=True).count() > 0
    assert (plan["Node Type"], plan.get("Heap Fetches")) == ("Index Only Scan", 0)


def test_ctrl_c_ends_the_command_with_a_message_not_a_traceback(hm_files, monkeypatch):
    from catalog.management.commands import import_hm

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(import_hm, "import_dataset", interrupted)
    with pytest.raises(CommandError) as raised:
        try:
            call_command("import_hm", str(hm_files), "--no-images")
        except KeyboardInterrupt:  # not caught: pytest would stop the whole session
            pytest.fail("KeyboardInterrupt escaped the command")
    assert raised.value.returncode == 130
    assert "Interrupted: nothing of the file being loaded was stored" in str(raised.value)
    # Photos are recorded in batches: those recorded before the interrupt stay.
    assert "of images/, the photos recorded before the interrupt stay stored" in str(raised.value)
