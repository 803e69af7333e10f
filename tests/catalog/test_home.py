import datetime as dt

import pytest

from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db

LAST_DAY = dt.date(2020, 9, 22)


def buy(article, times, day=LAST_DAY):
    PurchaseFactory.create_batch(times, article=article, t_dat=day)


def shelf(response, slot):
    """The articles of one recommendation shelf, in page order, by name."""
    page = response.text
    start = page.find(f'data-slot="{slot}"')
    if start < 0:
        return None
    end = page.find("</section>", start)
    return [
        line.split(">")[1].split("<")[0] for line in page[start:end].split('<span class="card-title"')[1:]
    ]


def test_trending_now_shows_the_best_sellers_of_the_datas_last_week(client):
    top = ArticleFactory(prod_name="Top seller")
    second = ArticleFactory(prod_name="Second seller")
    stale = ArticleFactory(prod_name="Sold out long ago")
    buy(top, 3)
    buy(second, 1, LAST_DAY - dt.timedelta(days=6))
    # Eight days before the data's last day: outside the week, however many were sold.
    buy(stale, 10, LAST_DAY - dt.timedelta(days=7))
    response = client.get("/")
    assert response.status_code == 200
    assert shelf(response, "trending") == ["Top seller", "Second seller"]
    assert "Popular this week" in response.text


def test_the_home_page_has_no_trending_shelf_before_any_sales(client):
    ArticleFactory()
    assert shelf(client.get("/"), "trending") is None


def test_for_you_is_shown_to_logged_in_customers_only(client):
    buy(ArticleFactory(prod_name="Top seller"), 2)
    assert shelf(client.get("/"), "for-you") is None
    user = UserFactory()
    CustomerFactory(user=user)
    client.force_login(user)
    response = client.get("/")
    # No personal model yet: trending, and the shelf says so.
    assert shelf(response, "for-you") == ["Top seller"]
    assert "we&#x27;ll personalise this once you&#x27;ve shopped" in response.text


def test_a_staff_login_without_a_customer_record_sees_no_for_you_shelf(client):
    buy(ArticleFactory(), 1)
    client.force_login(UserFactory(is_staff=True))
    assert shelf(client.get("/"), "for-you") is None


def test_the_home_page_lists_departments_with_links(client):
    ArticleFactory(index_group_name="Baby/Children")
    response = client.get("/")
    assert 'href="/c/baby-children/"' in response.text
    assert client.get("/c/baby-children/").status_code == 200


def test_the_home_page_runs_a_fixed_number_of_queries(client, queries_for):
    for article in ArticleFactory.create_batch(3):
        buy(article, 1)
    client.get("/")  # warms the caches (category tree, best sellers), as on a running site
    few = queries_for(client, "/")
    for article in ArticleFactory.create_batch(20):
        buy(article, 2)
    assert len(queries_for(client, "/")) == len(few) == 1  # the cached best sellers' articles

    user = UserFactory()
    CustomerFactory(user=user)
    client.force_login(user)
    # Session, user, customer, the feed's history check and its articles, trending's articles.
    assert len(queries_for(client, "/")) <= 8


def test_the_health_check_is_plain_and_free(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.content == b"ok"


def test_a_department_tile_counts_its_styles_in_words(client):
    # "Sport 1 styles"; and 26,001 Ladieswear articles at H&M scale read "26001 styles".
    ArticleFactory(index_group_name="Sport", index_group_no=26)
    ArticleFactory.create_batch(2)  # Ladieswear
    page = client.get("/").text
    assert '<span class="tile-name">Sport</span> <span class="tile-count">1 style</span>' in page
    assert '<span class="tile-name">Ladieswear</span> <span class="tile-count">2 styles</span>' in page
