"""Articles taken off sale: gone from every listing, their page and order history kept."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.categories import category_tree
from catalog.models import Article
from catalog.selectors import best_selling_articles
from catalog.services import articles_set_availability
from tests.catalog.hm_data import read_rows, run_import, write_rows
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db

LAST_DAY = dt.date(2020, 9, 22)


@pytest.fixture
def retired():
    """A sold article taken off sale, beside a colour variant of it that is still on sale."""
    article = ArticleFactory(
        article_id=901234015, product_code=901234, prod_name="Retired top", colour_group_name="Black"
    )
    ArticleFactory(
        article_id=901234044, product_code=901234, prod_name="Retired top", colour_group_name="White"
    )
    PurchaseFactory(article=article, t_dat=LAST_DAY)
    articles_set_availability(article_ids=[article.article_id], available=False)
    article.refresh_from_db()
    return article


def test_new_articles_are_on_sale():
    assert ArticleFactory().is_available is True


def test_browsable_leaves_out_articles_taken_off_sale(retired):
    assert list(Article.objects.browsable().values_list("article_id", flat=True)) == [901234044]


def test_its_page_still_answers_and_says_it_is_no_longer_available(client, retired):
    response = client.get(retired.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="unavailable">This article is no longer available.' in response.text
    assert '<meta name="robots" content="noindex">' in response.text
    # Its old URL still leads there.
    assert client.get("/p/0901234015/").url == retired.get_absolute_url()


def test_a_page_on_sale_does_not_say_it_is_unavailable(client, retired):
    response = client.get(Article.objects.get(article_id=901234044).get_absolute_url())
    assert "no longer available" not in response.text
    # The retired colour is no swatch of its variant any more.
    assert 'data-testid="swatch"' not in response.text


def test_it_leaves_listings_search_and_the_category_tree(client, retired, searchable):
    searchable()
    browse = client.get("/c/ladieswear/")
    assert "Retired top" in browse.text  # the white one
    assert retired.get_absolute_url() not in browse.text
    assert category_tree()["ladieswear"].count == 1
    search = client.get("/search/", {"q": "retired"})
    assert retired.get_absolute_url() not in search.text
    # Its id pasted into search finds nothing instead of opening it.
    assert client.get("/search/", {"q": "0901234015"}).status_code == 200


def test_cards_count_only_the_colours_on_sale(client, retired):
    listed = client.get("/api/v1/articles/").json()["results"]
    assert [(item["article_id"], item["variant_count"]) for item in listed] == [("0901234044", 1)]


def test_the_articles_api_lists_it_nowhere_but_still_describes_it(client, retired):
    assert client.get("/api/v1/articles/", {"q": "0901234015"}).json()["count"] == 0
    detail = client.get("/api/v1/articles/0901234015/").json()
    assert detail["is_available"] is False
    assert [variant["article_id"] for variant in detail["variants"]] == ["0901234044"]


def test_best_sellers_skip_it_and_still_fill_the_shelf(client, retired):
    others = ArticleFactory.create_batch(2)
    for article in others:
        PurchaseFactory(article=article, t_dat=LAST_DAY)
    PurchaseFactory.create_batch(3, article=retired, t_dat=LAST_DAY)
    sold = best_selling_articles(limit=2)
    assert sorted(article.article_id for article, _ in sold) == sorted(a.article_id for a in others)


def test_purchase_history_still_lists_it(client, retired):
    user = UserFactory(username="alice")
    customer = CustomerFactory(user=user)
    PurchaseFactory(customer=customer, article=retired, t_dat=LAST_DAY)
    client.force_login(user)
    page = client.get("/accounts/").text
    assert retired.get_absolute_url() in page[page.index('id="history-heading"') :]


def test_staff_take_articles_off_sale_and_back_from_the_list(
    staff_client, retired, django_capture_on_commit_callbacks
):
    other = ArticleFactory(prod_name="Plain tee")
    assert category_tree()["ladieswear"].count == 2  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/catalog/article/",
            {"action": "take_off_sale", "_selected_action": [other.article_id]},
            follow=True,
        )
    assert "1 article taken off sale." in response.text
    assert not Article.objects.get(pk=other.pk).is_available
    # The cached tree was cleared: the article left the counts at once.
    assert category_tree()["ladieswear"].count == 1
    listed = staff_client.get("/admin/catalog/article/", {"is_available__exact": "0"}).text
    assert "Plain tee" in listed and "Retired top" in listed
    staff_client.post(
        "/admin/catalog/article/",
        {"action": "put_back_on_sale", "_selected_action": [other.article_id, retired.article_id]},
    )
    assert Article.objects.browsable().count() == 3


def test_a_thousand_articles_taken_off_sale_are_counted_with_a_separator(staff_client):
    Article.objects.bulk_create(ArticleFactory.build() for _ in range(1_000))
    response = staff_client.post(
        "/admin/catalog/article/",
        {"action": "take_off_sale", "select_across": "1", "_selected_action": [Article.objects.first().pk]},
        follow=True,
    )
    assert "1,000 articles taken off sale." in response.text


def test_deleting_a_sold_article_is_refused_with_what_to_do_instead(staff_client, retired):
    response = staff_client.get(f"/admin/catalog/article/{retired.article_id}/delete/")
    assert "Take off sale" in response.text
    assert "permission to delete" not in response.text
    bulk = staff_client.post(
        "/admin/catalog/article/", {"action": "delete_selected", "_selected_action": [retired.article_id]}
    )
    assert "Take off sale" in bulk.text and "permission to delete" not in bulk.text


def test_a_re_import_does_not_put_an_article_back_on_sale(hm_files):
    run_import(hm_files, images=False)
    rows = read_rows(hm_files / "articles.csv")
    article_id = int(rows[0]["article_id"])
    articles_set_availability(article_ids=[article_id], available=False)
    rows[0]["prod_name"] = "Renamed upstream"
    write_rows(hm_files / "articles.csv", list(rows[0]), rows)

    run_import(hm_files, images=False)

    article = Article.objects.get(article_id=article_id)
    assert (article.prod_name, article.is_available) == ("Renamed upstream", False)
    assert Article.objects.filter(is_available=True).count() == len(rows) - 1


@pytest.mark.parametrize("bulk", [False, True], ids=["its page", "the bulk action"])
def test_a_best_sellers_delete_page_lists_a_few_purchases_not_every_one(staff_client, bulk):
    """Django's collector read every purchase of the article to list them (7.3 s for 50k)."""
    best_seller = ArticleFactory(prod_name="Best seller")
    PurchaseFactory.create_batch(14, article=best_seller)
    with CaptureQueriesContext(connection) as queries:
        if bulk:
            response = staff_client.post(
                "/admin/catalog/article/", {"action": "delete_selected", "_selected_action": [best_seller.pk]}
            )
        else:
            response = staff_client.get(f"/admin/catalog/article/{best_seller.pk}/delete/")
    assert response.status_code == 200
    assert "Take off sale" in response.text and "permission to delete" not in response.text
    assert response.text.count('Purchase: <a href="/admin/accounts/purchase/') == 10
    assert "… and 4 more" in response.text
    purchase_reads = [
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "accounts_purchase"' in query["sql"] and "COUNT(" not in query["sql"]
    ]
    assert purchase_reads and all("LIMIT 11" in sql for sql in purchase_reads), purchase_reads
    # Each purchase is named by its customer's id, read with the purchases, not one query each.
    named = [
        p
        for p in best_seller.purchases.select_related("customer")
        if f"customer {p.customer}," in response.text
    ]
    assert len(named) == 10
    customer_reads = [
        query["sql"] for query in queries.captured_queries if 'FROM "accounts_customer"' in query["sql"]
    ]
    assert customer_reads == []
    assert Article.objects.filter(pk=best_seller.pk).exists()
