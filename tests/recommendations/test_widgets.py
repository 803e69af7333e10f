import datetime as dt

import pytest
from django.template import Context, Template

from accounts.models import Customer
from recommendations import feed
from recommendations.types import Recommendation
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory

pytestmark = pytest.mark.django_db


def render(source, **context):
    return Template("{% load recommendation_tags %}" + source).render(Context(context))


def test_trending_now_can_be_limited_to_an_index_group():
    ladies = ArticleFactory(prod_name="Ladies top")
    men = ArticleFactory(prod_name="Men tee", index_group_name="Menswear")
    PurchaseFactory.create_batch(2, article=men, t_dat=dt.date(2020, 9, 20))
    PurchaseFactory(article=ladies, t_dat=dt.date(2020, 9, 20))
    html = render("{% trending_now index_group='Ladieswear' limit=5 %}")
    assert "Trending in Ladieswear" in html
    assert "Ladies top" in html
    assert "Men tee" not in html
    assert "Popular in Ladieswear this week" in html
    assert render("{% trending_now limit=1 %}").count('class="card"') == 1


def test_for_you_says_it_is_trending_until_a_model_personalises_it():
    PurchaseFactory(t_dat=dt.date(2020, 9, 20))
    shopper = CustomerFactory()
    assert "we&#x27;ll personalise this once you&#x27;ve shopped" in render(
        "{% for_you customer %}", customer=shopper
    )
    PurchaseFactory(customer=shopper)
    # A later page view: a new request reads the customer afresh.
    assert "personal picks appear once the recommender has been trained" in render(
        "{% for_you customer %}", customer=Customer.objects.get(pk=shopper.pk)
    )


def test_trending_now_is_left_out_after_a_for_you_that_shows_trending():
    PurchaseFactory(article=ArticleFactory(prod_name="Best seller"), t_dat=dt.date(2020, 9, 20))
    newcomer, regular = CustomerFactory(), CustomerFactory()
    PurchaseFactory(customer=regular)
    page = "{% for_you customer %}{% trending_now %}"

    # The newcomer's For you is trending already: the page shows it once.
    html = render(page, customer=newcomer)
    assert "once you&#x27;ve shopped" in html and "Trending now" not in html
    assert html.count('<section class="shelf"') == 1
    # A customer with purchases and no model yet also gets trending; without For you, the shelf shows.
    assert "Trending now" not in render(page, customer=regular)
    assert "Trending now" in render(page, customer=None)


def test_a_shelf_shows_each_items_reason_and_price(monkeypatch):
    article = ArticleFactory(prod_name="Linen shirt", price=0.02)
    monkeypatch.setattr(feed, "also_bought", lambda a, k: [Recommendation(article, "Bought with this", 1.0)])
    html = render("{% also_bought article %}", article=ArticleFactory())
    assert 'data-slot="also-bought"' in html
    assert "Customers also bought" in html
    assert "Linen shirt" in html
    assert "€20.00" in html
    assert "Bought with this" in html


def test_empty_shelves_render_nothing():
    article = ArticleFactory()
    customer = CustomerFactory()
    assert render("{% looks_like_this article %}{% also_bought article %}", article=article).strip() == ""
    assert render("{% customers_like_you customer %}{% for_you None %}", customer=customer).strip() == ""


def test_a_failing_recommender_leaves_its_shelf_out_instead_of_breaking_the_page(monkeypatch, caplog):
    def broken(article, k):
        raise RuntimeError("index file is corrupt")

    monkeypatch.setattr(feed, "also_bought", broken)
    assert render("{% also_bought article %}", article=ArticleFactory()).strip() == ""
    assert "index file is corrupt" in caplog.text


def test_trending_now_shows_each_product_once_in_its_best_selling_colour():
    black, white = (
        ArticleFactory(product_code=108775, prod_name="Strap top", colour_group_name=c)
        for c in ("Black", "White")
    )
    skirt = ArticleFactory(product_code=111586, prod_name="Denim skirt")
    for article, sold in ((black, 3), (white, 2), (skirt, 1)):
        PurchaseFactory.create_batch(sold, article=article, t_dat=dt.date(2020, 9, 20))
    html = render("{% trending_now limit=12 %}")
    assert html.count('class="card"') == 2
    assert black.get_absolute_url() in html and white.get_absolute_url() not in html
    assert skirt.get_absolute_url() in html
