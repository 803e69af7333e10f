"""Small purchase logs with planted structure, shared by the collaborative tests."""

import datetime as dt

import numpy as np

from recommendations.collaborative.interactions import DAY_EPOCH, PurchaseLog, day_number

LAST_DAY = dt.date(2020, 9, 22)


def two_taste_log(customers_per_taste=30, articles_per_taste=20, purchases_each=6, seed=7):
    """Customers 1..n split in two tastes; taste t buys only articles 1000*(t+1) + 0..k-1.

    Returns (log, taste of each customer pk).
    """
    rng = np.random.default_rng(seed)
    rows, taste_of = [], {}
    for customer in range(1, 2 * customers_per_taste + 1):
        taste = customer % 2
        taste_of[customer] = taste
        for article in rng.choice(articles_per_taste, size=purchases_each, replace=False):
            day = LAST_DAY - dt.timedelta(days=int(rng.integers(0, 60)))
            rows.append((customer, 1000 * (taste + 1) + int(article), day))
    return PurchaseLog.from_rows(rows), taste_of


def day(date):
    return day_number(date)


def store(log, product_code_of=lambda article_id: article_id, group_of=lambda article_id: "Ladieswear"):
    """Saves a planted log to the database in bulk: customers with pk = the log's customer ids."""
    from django.core.management.color import no_style
    from django.db import connection

    from accounts.models import Customer, Purchase
    from catalog.models import Article
    from tests.factories import ArticleFactory, CustomerFactory

    article_ids = sorted(set(log.articles.tolist()))
    customer_ids = sorted(set(log.customers.tolist()))
    Article.objects.bulk_create(
        [
            ArticleFactory.build(
                article_id=article_id,
                product_code=product_code_of(article_id),
                index_group_name=group_of(article_id),
                prod_name=f"Article {article_id}",
            )
            for article_id in article_ids
        ]
    )
    Customer.objects.bulk_create([CustomerFactory.build(id=pk) for pk in customer_ids])
    # Explicit primary keys leave the identity sequence behind; later factories need it moved on.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Customer]):
            cursor.execute(sql)
    Purchase.objects.bulk_create(
        [
            Purchase(
                customer_id=customer,
                article_id=article,
                t_dat=DAY_EPOCH + dt.timedelta(days=day),
                price=0.02,
                sales_channel_id=2,
            )
            for customer, article, day in zip(
                log.customers.tolist(), log.articles.tolist(), log.days.tolist(), strict=True
            )
        ]
    )
