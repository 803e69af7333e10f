"""Staff find articles by the zero-padded id every page shows (or without its zero), or by the
product code, through the indexes."""

import pytest

from catalog.admin import ArticleAdmin
from catalog.models import Article
from tests.admin_lists import CROWD, listed
from tests.factories import ArticleFactory
from tests.query_plans import analyze, query_plan

pytestmark = pytest.mark.django_db

ARTICLES = "/admin/catalog/article/"


def test_an_article_is_found_by_its_zero_padded_id_or_its_product_code(staff_client):
    top = ArticleFactory(article_id=108775015, product_code=108775, prod_name="Strap top")
    white = ArticleFactory(article_id=108775044, product_code=108775, prod_name="Strap top")
    ArticleFactory(article_id=110065001, product_code=110065, prod_name="OP T-shirt")
    for term in ("0108775015", "108775015"):
        assert listed(staff_client.get(ARTICLES, {"q": term})) == [top]
    assert sorted(listed(staff_client.get(ARTICLES, {"q": "0108775"})), key=lambda a: a.pk) == [top, white]
    assert [article.pk for article in listed(staff_client.get(ARTICLES, {"q": "t-shirt"}))] == [110065001]


def test_an_article_id_is_looked_up_by_its_indexes(rf):
    Article.objects.bulk_create(
        ArticleFactory.build(article_id=200000001 + n, product_code=200000 + n // 3) for n in range(CROWD)
    )
    analyze("catalog_article")
    admin = ArticleAdmin(Article, None)
    found, _ = admin.get_search_results(rf.get(ARTICLES), Article.objects.all(), "0200000101")
    assert list(found.values_list("article_id", flat=True)) == [200000101]
    plan = query_plan(found)
    assert "Seq Scan" not in plan and "catalog_article_pkey" in plan, plan


def test_digits_that_name_no_article_search_the_names(staff_client):
    jeans = ArticleFactory(article_id=501000001, product_code=501000, prod_name="Regular 501 jeans")
    ArticleFactory(article_id=108775015, product_code=108775, prod_name="Strap top")
    assert listed(staff_client.get(ARTICLES, {"q": "501"})) == [jeans]


def test_an_eleventh_digit_names_no_article(staff_client):
    ArticleFactory(article_id=1234567890, product_code=123456, prod_name="Strap top")
    assert listed(staff_client.get(ARTICLES, {"q": "0123456789"})) == []  # ten digits: 123456789
    assert listed(staff_client.get(ARTICLES, {"q": "01234567890"})) == []
    assert [article.pk for article in listed(staff_client.get(ARTICLES, {"q": "1234567890"}))] == [1234567890]
