"""Customers erased at their request stay out when the same files are imported again."""

import collections
import sqlite3

import pytest

from accounts.models import Customer, Purchase
from accounts.services import customer_erase
from tests.catalog.hm_data import (
    copy_dataset,
    line_count,
    manage_on_sqlite,
    read_rows,
    run_import,
    write_rows,
)

pytestmark = pytest.mark.django_db


def _busiest_customers(data, count):
    """The ids of the customers with the most purchases in the file, busiest first."""
    bought = collections.Counter(row["customer_id"] for row in read_rows(data / "transactions_train.csv"))
    return [customer_id for customer_id, _ in bought.most_common(count)]


def _purchases_of(data, customer_ids):
    return sum(row["customer_id"] in customer_ids for row in read_rows(data / "transactions_train.csv"))


def test_re_importing_the_same_files_does_not_bring_erased_customers_back(hm_files):
    run_import(hm_files)
    erased = _busiest_customers(hm_files, 2)
    for customer_id in erased:
        customer_erase(customer=Customer.objects.get(customer_id=customer_id))
    expected_purchases = line_count(hm_files / "transactions_train.csv") - 1 - _purchases_of(hm_files, erased)

    summary = run_import(hm_files)

    assert not Customer.objects.filter(customer_id__in=erased).exists()
    assert Customer.objects.count() == line_count(hm_files / "customers.csv") - 1 - 2
    assert Purchase.objects.count() == expected_purchases
    assert "skipped 2 erased customers" in summary.report("customers.csv").notes
    purchases = summary.report("transactions_train.csv")
    assert f"skipped {_purchases_of(hm_files, erased)} purchases of erased customers" in purchases.notes
    assert "indexes rebuilt after the load" in purchases.notes


def test_a_first_import_into_an_empty_shop_skips_them_too(hm_files):
    run_import(hm_files)
    erased = _busiest_customers(hm_files, 1)
    customer_erase(customer=Customer.objects.get(customer_id=erased[0]))
    Purchase.objects.all().delete()
    Customer.objects.all().delete()

    run_import(hm_files)

    assert not Customer.objects.filter(customer_id=erased[0]).exists()
    assert Customer.objects.count() == line_count(hm_files / "customers.csv") - 2


def test_a_weekly_file_skips_their_purchases_in_place(hm_files, tmp_path):
    run_import(hm_files)
    rows = read_rows(hm_files / "transactions_train.csv")
    erased = _busiest_customers(hm_files, 1)[0]
    customer_erase(customer=Customer.objects.get(customer_id=erased))
    theirs = [row for row in rows if row["customer_id"] == erased][:2]
    others = [row for row in rows if row["customer_id"] != erased and row["t_dat"] == theirs[0]["t_dat"]][:3]
    weekly = tmp_path / "weekly"
    weekly.mkdir()
    # Their rows among others', in the middle of a block: the rest must still load.
    write_rows(weekly / "transactions_train.csv", list(rows[0]), [others[0], *theirs, *others[1:]])

    report = run_import(weekly).report("transactions_train.csv")

    assert "indexes rebuilt after the load" not in report.notes
    assert "skipped 2 purchases of erased customers" in report.notes
    assert Purchase.objects.filter(t_dat=theirs[0]["t_dat"]).count() == len(others[:3])


def test_an_unknown_customer_still_stops_the_import_when_some_are_erased(hm_files, tmp_path):
    from catalog.importer.errors import ImportInputError

    run_import(hm_files)
    rows = read_rows(hm_files / "transactions_train.csv")
    customer_erase(customer=Customer.objects.get(customer_id=_busiest_customers(hm_files, 1)[0]))
    weekly = tmp_path / "weekly"
    weekly.mkdir()
    stranger = {**rows[0], "customer_id": "e" * 64}
    write_rows(weekly / "transactions_train.csv", list(rows[0]), [rows[0], stranger])

    with pytest.raises(ImportInputError, match="line 3, field customer_id: unknown customer 'eeee"):
        run_import(weekly)


def test_the_sqlite_import_skips_them_too(hm_demo_dir, migrated_sqlite, tmp_path):
    database = migrated_sqlite
    data = copy_dataset(hm_demo_dir, tmp_path / "hm", images=False)

    def manage(*args: str):
        # Photos, if any were written, under tmp_path: not the repository's own var/media.
        return manage_on_sqlite(*args, database=database, media=tmp_path / "media")

    erased = _busiest_customers(data, 1)[0]
    assert manage("import_hm", str(data)).returncode == 0
    erase = (
        "from accounts.models import Customer; from accounts.services import customer_erase; "
        f"customer_erase(customer=Customer.objects.get(customer_id='{erased}'))"
    )
    assert manage("shell", "-c", erase).returncode == 0

    again = manage("import_hm", str(data))

    assert again.returncode == 0, again.stderr
    assert "skipped 1 erased customer" in again.stdout
    assert f"skipped {_purchases_of(data, {erased})} purchases of erased customers" in again.stdout
    with sqlite3.connect(database) as db:
        back = db.execute("SELECT count(*) FROM accounts_customer WHERE customer_id = ?", [erased]).fetchone()
        purchases = db.execute("SELECT count(*) FROM accounts_purchase").fetchone()[0]
    assert back == (0,)
    assert purchases == line_count(data / "transactions_train.csv") - 1 - _purchases_of(data, {erased})
