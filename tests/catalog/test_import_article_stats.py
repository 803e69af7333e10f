"""Price, first sale and popularity, checked on purchases written by hand."""

import datetime as dt
import sqlite3

import pytest

from catalog.importer.schema import ARTICLES, CUSTOMERS, TRANSACTIONS
from catalog.models import Article
from tests.catalog.hm_data import manage_on_sqlite, read_rows, run_import, write_rows

pytestmark = pytest.mark.django_db

CUSTOMER = "a" * 64


@pytest.fixture
def shop(hm_files, tmp_path):
    """Three of the demo's articles and one customer; purchases come from each test."""
    folder = tmp_path / "shop"
    folder.mkdir()
    articles = read_rows(hm_files / "articles.csv")[:3]
    write_rows(folder / ARTICLES.filename, ARTICLES.header, articles)
    customer = dict.fromkeys(CUSTOMERS.header, "")
    write_rows(folder / CUSTOMERS.filename, CUSTOMERS.header, [{**customer, "customer_id": CUSTOMER}])
    return folder, [row["article_id"] for row in articles]


def _purchases(folder, rows):
    write_rows(
        folder / TRANSACTIONS.filename,
        TRANSACTIONS.header,
        [[day, CUSTOMER, article, price, "2"] for day, article, price in rows],
    )
    run_import(folder)


def test_price_is_the_median_of_the_last_30_days_of_the_data(shop):
    folder, (first, second, _third) = shop
    _purchases(
        folder,
        [
            ("2020-06-01", first, "0.9"),  # outside the window: ignored while recent sales exist
            ("2020-08-25", first, "0.01"),
            ("2020-09-01", first, "0.03"),
            ("2020-09-20", first, "0.02"),
            ("2020-09-22", second, "0.05"),
        ],
    )

    assert Article.objects.get(article_id=int(first)).price == pytest.approx(0.02)
    assert Article.objects.get(article_id=int(second)).price == pytest.approx(0.05)


def test_articles_not_sold_lately_are_priced_from_all_their_sales(shop):
    folder, (first, second, _third) = shop
    _purchases(
        folder,
        [
            ("2020-03-01", first, "0.04"),
            ("2020-03-02", first, "0.02"),
            ("2020-09-22", second, "0.05"),
        ],
    )

    assert Article.objects.get(article_id=int(first)).price == pytest.approx(0.03)


def test_popularity_counts_the_last_week_with_a_three_day_half_life(shop):
    folder, (first, second, third) = shop
    _purchases(
        folder,
        [
            ("2020-09-22", first, "0.01"),
            ("2020-09-22", first, "0.01"),
            ("2020-09-19", second, "0.01"),  # three days before the last day: half weight
            ("2020-09-15", third, "0.01"),  # seven days before: outside the window
        ],
    )

    popularity = dict(Article.objects.values_list("article_id", "popularity"))
    assert popularity[int(first)] == pytest.approx(2.0)
    assert popularity[int(second)] == pytest.approx(0.5)
    assert popularity[int(third)] == 0
    assert Article.objects.get(article_id=int(third)).first_sold_on == dt.date(2020, 9, 15)


def test_articles_without_sales_have_no_price(shop):
    folder, (first, _second, third) = shop
    _purchases(folder, [("2020-09-22", first, "0.01")])

    article = Article.objects.get(article_id=int(third))
    assert (article.price, article.first_sold_on, article.popularity) == (None, None, 0)


def test_a_weekly_file_leaves_the_same_figures_as_a_full_recount(hm_files, tmp_path):
    from catalog.importer.article_stats import refresh_article_stats

    run_import(hm_files)
    rows = read_rows(hm_files / TRANSACTIONS.filename)
    days = sorted({row["t_dat"] for row in rows})
    # The first day (many articles' first sale) loses most of its rows, one sale moves a day
    # later, and a new last day moves the price and popularity windows.
    first_day = [row for row in rows if row["t_dat"] == days[0]]
    weekly = tmp_path / "weekly"
    weekly.mkdir()
    write_rows(
        weekly / TRANSACTIONS.filename,
        TRANSACTIONS.header,
        [*first_day[:2], {**first_day[2], "t_dat": days[1]}, {**rows[-1], "t_dat": "2020-12-31"}],
    )
    run_import(weekly)
    figures = "article_id", "first_sold_on", "popularity", "price"
    incremental = list(Article.objects.order_by("article_id").values_list(*figures))

    refresh_article_stats()

    assert incremental == list(Article.objects.order_by("article_id").values_list(*figures))
    assert sum(first is not None for _id, first, _pop, _price in incremental) > 10


@pytest.fixture
def colours(hm_files, tmp_path):
    """Four colours of one product and a product of its own, all from the demo's articles."""
    folder = tmp_path / "colours"
    folder.mkdir()
    articles = read_rows(hm_files / "articles.csv")[:5]
    product_code = articles[0]["product_code"]
    articles = [{**row, "product_code": product_code} for row in articles[:4]] + [
        {**articles[4], "product_code": "999999"}
    ]
    write_rows(folder / ARTICLES.filename, ARTICLES.header, articles)
    customer = dict.fromkeys(CUSTOMERS.header, "")
    write_rows(folder / CUSTOMERS.filename, CUSTOMERS.header, [{**customer, "customer_id": CUSTOMER}])
    # The first colour sold lately, the second only long ago, the fourth once (their prices' median,
    # 0.03, is none of their mean's 0.0433); the third colour and the other product never sold.
    first, second, third, fourth, alone = (row["article_id"] for row in articles)
    write_rows(
        folder / TRANSACTIONS.filename,
        TRANSACTIONS.header,
        [
            ["2020-09-20", CUSTOMER, first, "0.01", "2"],
            ["2020-09-22", CUSTOMER, first, "0.01", "2"],
            ["2020-03-01", CUSTOMER, second, "0.09", "2"],
            ["2020-09-21", CUSTOMER, fourth, "0.03", "2"],
        ],
    )
    return folder, [int(first), int(second), int(third), int(alone)]


def test_an_unsold_colour_takes_the_median_price_of_its_sold_colours(colours):
    folder, (first, second, third, alone) = colours
    run_import(folder)

    prices = dict(Article.objects.values_list("article_id", "price"))
    assert prices[first] == pytest.approx(0.01)
    assert prices[second] == pytest.approx(0.09)
    assert prices[third] == pytest.approx(0.03)
    assert prices[alone] is None
    # It still never sold: staff and the API tell the price apart by this.
    assert Article.objects.get(article_id=third).first_sold_on is None


def test_an_unsold_colour_is_priced_the_same_on_sqlite(colours, migrated_sqlite, tmp_path):
    folder, (first, second, third, alone) = colours

    result = manage_on_sqlite(
        "import_hm", str(folder), "--no-images", database=migrated_sqlite, media=tmp_path / "media"
    )

    assert result.returncode == 0, result.stderr
    with sqlite3.connect(migrated_sqlite) as db:
        prices = dict(db.execute("SELECT article_id, price FROM catalog_article").fetchall())
    assert prices[first] == pytest.approx(0.01)
    assert prices[second] == pytest.approx(0.09)
    assert prices[third] == pytest.approx(0.03)
    assert prices[alone] is None
