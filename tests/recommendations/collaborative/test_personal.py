import datetime as dt

import pytest

from accounts.models import Customer
from catalog.models import Article, ArticleQuerySet
from recommendations.collaborative import personal
from tests.factories import CustomerFactory, PurchaseFactory
from tests.recommendations.collaborative.planted import LAST_DAY

pytestmark = pytest.mark.django_db


def _taste(article_id):
    return 0 if article_id < 2000 else 1


def _feed(model, customer, k=12):
    return personal.for_you(model, customer, personal.customer_history(customer), k)


def test_for_you_puts_the_customers_taste_first_with_readable_reasons(trained_model, planted_shop):
    _, taste_of = planted_shop
    customer = Customer.objects.get(pk=3)

    items = _feed(trained_model, customer)

    ids = [item.article.article_id for item in items]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sum(_taste(article_id) == taste_of[3] for article_id in ids) >= 10
    bought = set(customer.purchases.values_list("article_id", flat=True))
    reasons = {item.article.article_id: item.reason for item in items}
    assert all(reasons[article_id] == "Buy again" for article_id in ids if article_id in bought)
    assert all(
        reason.startswith(
            ("Because you bought Article ", "Another colour of the Article ", "Popular in Ladieswear")
        )
        for article_id, reason in reasons.items()
        if article_id not in bought
    )
    assert [item.score for item in items] == sorted((item.score for item in items), reverse=True)


def test_for_you_shows_at_most_a_few_colours_of_one_product(trained_model):
    items = _feed(trained_model, Customer.objects.get(pk=3), k=30)

    codes = [item.article.product_code for item in items]
    assert max(codes.count(code) for code in codes) <= trained_model.weights.per_product


def test_for_you_leaves_out_articles_that_cannot_be_shown(trained_model, monkeypatch):
    customer = Customer.objects.get(pk=3)
    hidden = _feed(trained_model, customer)[0].article.article_id
    monkeypatch.setattr(ArticleQuerySet, "browsable", lambda qs: qs.exclude(article_id=hidden))

    items = _feed(trained_model, customer)

    assert hidden not in [item.article.article_id for item in items] and len(items) == 12


def test_articles_taken_off_sale_leave_every_personal_shelf(trained_model):
    from catalog.services import articles_set_availability

    customer = Customer.objects.get(pk=4)
    history = personal.customer_history(customer)
    shelves = {
        "for you": lambda: personal.for_you(trained_model, customer, history, 12),
        "also bought": lambda: personal.also_bought(trained_model, Article.objects.get(pk=1002), 6),
        "like you": lambda: personal.customers_like_you(trained_model, customer, history, 6),
    }
    retired = {name: shelf()[0].article.article_id for name, shelf in shelves.items()}
    articles_set_availability(article_ids=retired.values(), available=False)

    for name, shelf in shelves.items():
        items = shelf()
        assert items and not set(retired.values()) & {item.article.article_id for item in items}, name


def test_a_customer_unknown_to_the_model_is_folded_in_from_their_purchases(trained_model):
    newcomer = CustomerFactory()
    for article_id in (2001, 2004, 2007):
        PurchaseFactory(customer=newcomer, article=Article.objects.get(pk=article_id), t_dat=LAST_DAY)
    assert trained_model.customer_map.position(newcomer.pk) is None

    items = _feed(trained_model, newcomer)

    new_to_them = [item for item in items if item.reason != "Buy again"]
    assert new_to_them and all(_taste(item.article.article_id) == 1 for item in new_to_them[:5])


def _because_you_bought(items):
    return [item.article.article_id for item in items if item.reason.startswith("Because you bought")]


def test_purchases_imported_after_the_training_steer_the_feed_at_once(trained_model):
    # The trained factors were used until the next retrain: the feed ignored the new purchases.
    customer = Customer.objects.get(pk=2)
    assert all(_taste(article_id) == 0 for article_id in _because_you_bought(_feed(trained_model, customer)))
    for article_id in (2001, 2004, 2007, 2010, 2013):
        PurchaseFactory(
            customer=customer,
            article=Article.objects.get(pk=article_id),
            t_dat=LAST_DAY + dt.timedelta(days=1),
        )

    suggested = _because_you_bought(_feed(trained_model, customer))

    assert suggested and sum(_taste(article_id) == 1 for article_id in suggested) > len(suggested) / 2


def test_also_bought_lists_other_products_bought_by_the_same_customers(trained_model):
    article = Article.objects.get(pk=1002)

    items = personal.also_bought(trained_model, article, 6)

    assert len(items) == 6
    assert all(item.article.product_code != article.product_code for item in items)
    assert all(_taste(item.article.article_id) == 0 for item in items)
    assert items[0].reason == "Customers who bought this also bought"


def test_also_bought_is_empty_for_an_article_nobody_bought(trained_model):
    from tests.factories import ArticleFactory

    assert personal.also_bought(trained_model, ArticleFactory(), 6) == []


def test_similar_customers_share_the_taste_and_exclude_the_customer(trained_model, planted_shop):
    _, taste_of = planted_shop
    customer = Customer.objects.get(pk=4)

    neighbours = personal.similar_customers(trained_model, customer, personal.customer_history(customer), 5)

    assert len(neighbours) == 5 and 4 not in [pk for pk, _ in neighbours]
    assert all(taste_of[pk] == taste_of[4] for pk, _ in neighbours)
    assert neighbours[0][1] >= neighbours[-1][1]


def test_customers_like_you_shows_what_neighbours_bought_lately_and_not_what_you_own(
    trained_model, planted_shop
):
    _, taste_of = planted_shop
    customer = Customer.objects.get(pk=4)
    owned = set(customer.purchases.values_list("article_id", flat=True))

    items = personal.customers_like_you(trained_model, customer, personal.customer_history(customer), 6)

    assert items and not owned & {item.article.article_id for item in items}
    assert all(_taste(item.article.article_id) == taste_of[4] for item in items)
    assert all("customer" in item.reason and "your taste" in item.reason for item in items)


def test_a_customer_without_purchases_has_no_neighbours(trained_model):
    assert personal.customers_like_you(trained_model, CustomerFactory(), [], 6) == []


def test_purchases_are_read_newest_first(planted_shop):
    customer = Customer.objects.get(pk=5)
    history = personal.customer_history(customer)
    assert [purchase.day for purchase in history] == sorted(
        (purchase.day for purchase in history), reverse=True
    )
    assert history[0].name.startswith("Article ") and history[0].group_name == "Menswear"
    assert dt.date(2000, 1, 1) + dt.timedelta(days=history[0].day) <= LAST_DAY
