"""The shelves the collaborative model fills on the home, product and account pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Customer
from catalog.models import Article
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _shelf(page, slot):
    start = page.find(f'data-slot="{slot}"')
    return None if start < 0 else page[start : page.find("</section>", start)]


def _log_in_as_customer(client, pk):
    user = UserFactory()
    Customer.objects.filter(pk=pk).update(user=user)
    client.force_login(user)


def test_the_home_page_shows_a_personal_for_you_shelf(client, trained_model):
    _log_in_as_customer(client, 3)

    shelf = _shelf(client.get("/").text, "for-you")

    assert shelf is not None and shelf.count('class="card-title"') == 12
    assert "Because you bought Article 20" in shelf or "Buy again" in shelf
    assert "personalise" not in shelf


def test_the_account_page_shows_for_you_and_customers_like_you(client, trained_model):
    _log_in_as_customer(client, 4)

    page = client.get("/accounts/").text

    assert _shelf(page, "for-you") is not None
    like_you = _shelf(page, "customers-like-you")
    assert like_you is not None and "customers with your taste" in like_you


def test_the_product_page_shows_customers_also_bought(client, trained_model):
    article = Article.objects.get(pk=1002)

    shelf = _shelf(client.get(article.get_absolute_url()).text, "also-bought")

    assert shelf is not None and shelf.count("Customers who bought this also bought") >= 4
    assert "Article 100" in shelf or "Article 101" in shelf


def test_the_personal_feed_costs_a_fixed_handful_of_queries(client, trained_model):
    """History, the articles shown, whatever the history's length or the shelf's size."""
    _log_in_as_customer(client, 3)
    client.get("/")  # warm the session and any per-process caches

    with CaptureQueriesContext(connection) as with_feed:
        client.get("/")
    Customer.objects.filter(pk=3).update(user=None)
    with CaptureQueriesContext(connection) as without_customer:
        client.get("/")

    assert len(with_feed) - len(without_customer) <= 4, [query["sql"] for query in with_feed]


def test_the_account_page_reads_the_customers_history_once(client, trained_model):
    """ "For you" and "Customers like you" share one read of the recent purchases."""
    _log_in_as_customer(client, 4)
    client.get("/accounts/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/accounts/")

    history_reads = [query["sql"] for query in queries if "article__prod_name" in query["sql"]]
    assert len(history_reads) == 1, history_reads
