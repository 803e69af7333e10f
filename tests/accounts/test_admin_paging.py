"""The purchase and customer admin over millions of rows: counts that stop where the pages do,
pages cut on keys, no page past the thousandth, and purchases found by date through its index.

At H&M scale (25.5M purchases) page 10,000 took 5.4 s and a sales channel's count 1.3 s."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import admin_paging
from accounts.admin import PurchaseAdmin
from accounts.models import Purchase
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory
from tests.query_plans import analyze, query_plan

pytestmark = pytest.mark.django_db

URL = "/admin/accounts/purchase/"


@pytest.fixture
def ten_days_of_purchases():
    """Ten purchases, one a day from 2020-09-10, by one customer of one article; pages of two."""
    customer, article = CustomerFactory(), ArticleFactory()
    purchases = [
        PurchaseFactory(
            customer=customer, article=article, t_dat=dt.date(2020, 9, 10 + day), sales_channel_id=1
        )
        for day in range(10)
    ]
    # The list's estimated count reads the planner's row count, which ANALYZE writes outside any
    # transaction: another test's crowd of 3,000 purchases would otherwise still be counted.
    analyze("accounts_purchase")
    return purchases


@pytest.fixture
def pages_of_two(monkeypatch):
    monkeypatch.setattr(PurchaseAdmin, "list_per_page", 2)


def listed(response):
    return [purchase.pk for purchase in response.context["cl"].result_list]


def get(staff_client, params):
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(URL, params)
    assert response.status_code == 200
    return response, [query["sql"] for query in queries.captured_queries]


def test_no_page_past_the_last_listed_one_and_it_says_how_to_look_further(
    staff_client, ten_days_of_purchases, pages_of_two, monkeypatch
):
    monkeypatch.setattr(admin_paging, "MAX_PAGES", 3)
    newest_first = [purchase.pk for purchase in reversed(ten_days_of_purchases)]
    response, _ = get(staff_client, {"p": "5"})
    assert listed(response) == newest_first[4:6]  # page 3, the last listed
    message = "Only the first 3 pages are listed (about 10 purchases in all). To see older purchases"
    assert message in response.text
    assert "search for a date (2020-09-22) or a month (2020-09)" in response.text
    assert 'href="?p=4"' not in response.text and 'href="?p=3"' not in response.text  # 3 is this page
    response, _ = get(staff_client, {"p": "2"})
    assert listed(response) == newest_first[2:4]
    assert "Only the first" not in response.text


def test_a_page_is_cut_on_keys_then_read_with_its_joins(staff_client, ten_days_of_purchases, pages_of_two):
    response, sql = get(staff_client, {"p": "3"})
    assert listed(response) == [purchase.pk for purchase in reversed(ten_days_of_purchases)][4:6]
    with_offset = [query for query in sql if "OFFSET" in query]
    assert len(with_offset) == 1
    assert with_offset[0].startswith('SELECT "accounts_purchase"."id" AS "pk" FROM "accounts_purchase"')
    rows = [query for query in sql if '"accounts_customer"."customer_id"' in query and "JOIN" in query]
    assert len(rows) == 1 and "OFFSET" not in rows[0] and "LIMIT" not in rows[0]


def test_a_filtered_count_stops_where_the_pages_do(staff_client, ten_days_of_purchases, monkeypatch):
    monkeypatch.setattr(admin_paging, "EXACT_COUNT_LIMIT", 4)
    response, sql = get(staff_client, {"sales_channel_id": "1"})
    counts = [query for query in sql if "COUNT(*)" in query.upper()]
    assert counts and all("LIMIT 5" in query for query in counts), counts
    assert any(query.startswith("EXPLAIN (FORMAT JSON)") for query in sql)  # the estimate beyond
    assert response.context["cl"].result_count >= 5
    # Below the limit the count is exact: one customer's purchases, say.
    other = PurchaseFactory(customer=CustomerFactory())
    response, _ = get(staff_client, {"q": other.customer.customer_id})
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize(
    ("term", "days"),
    [("2020-09-12", [12]), ("2020-9-12", [12]), ("2020-09", list(range(10, 20))), ("2020-08", [])],
)
def test_purchases_are_found_by_day_or_month(staff_client, ten_days_of_purchases, term, days):
    PurchaseFactory(t_dat=dt.date(2020, 10, 1))
    response, sql = get(staff_client, {"q": term})
    assert sorted(purchase.t_dat.day for purchase in response.context["cl"].result_list) == days
    assert not any("UPPER(" in query for query in sql)


def test_a_date_that_is_no_date_says_so(staff_client, ten_days_of_purchases):
    response, _ = get(staff_client, {"q": "2020-13-45"})
    assert response.context["cl"].result_count == 0
    assert "is not a date: search for 2020-09-22 or 2020-09." in response.text


def test_a_date_search_reads_the_date_index(ten_days_of_purchases, rf):
    request = rf.get(URL)
    admin = PurchaseAdmin(Purchase, None)
    found, _ = admin.get_search_results(request, Purchase.objects.all(), "2020-09")
    plan = query_plan(found, switched_off=("seqscan",))
    assert "purchase_date" in plan, plan
