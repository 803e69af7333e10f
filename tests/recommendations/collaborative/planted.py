"""Small purchase logs with planted structure, shared by the collaborative tests."""

import datetime as dt

import numpy as np

from recommendations.collaborative.interactions import PurchaseLog, day_number

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
