"""The article table's indexes: each serves a query the shop or its admin issues, none repeats
another's leading columns, and the pages' queries still read through an index.

Every index costs space and time on each import of 105k articles; a redundant one costs that for
nothing. The pages' queries are EXPLAINed over a few thousand generated articles with scans of
the whole table turned off: what is checked is that an index serves the query, as the planner
prefers at H&M scale, not which plan a small table happens to get."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Article
from tests.admin_lists import CROWD
from tests.factories import ArticleFactory
from tests.query_plans import analyze, query_plan

pytestmark = pytest.mark.django_db

GROUPS = ["Ladieswear", "Menswear", "Divided", "Baby/Children", "Sport"]

# What needs each index of catalog_article. The partial listing indexes cover the shop's pages,
# which list articles on sale only; the admin lists every article, and only a full index can serve
# that (keeping article_popularity and article_group_popularity beside their partial twins).
NEEDED_BY = {
    "catalog_article_pkey": "the primary key: product pages, cards by id, purchases' foreign key",
    "catalog_article_product_code_5d234109": "colour variants of a product (swatches, card counts)",
    "article_search_vector": "full-text search (GIN)",
    "article_popularity": "the article admin's list, every article by popularity",
    "article_group_popularity": "the admin's index group filter; best sellers of one group",
    "article_on_sale_popular": "listings and the trending fallback by popularity",
    "article_on_sale_group_popular": "a department's listing and trending fallback",
    "article_on_sale_newest": "listings sorted by newest",
    "article_on_sale_price_asc": "listings sorted by price, low to high",
    "article_on_sale_price_desc": "listings sorted by price, high to low",
    "article_image": "the retired-photo sweep: which retired paths an article records",
    "article_image_thumbnail": "the retired-photo sweep: which retired thumbnails an article records",
}

# A b-tree index whose key columns (with their operator classes and orders) begin another index
# of the same kind and condition can serve no query the other cannot.
LEADING_PART_OF_ANOTHER = """
    SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
    FROM pg_index a
    JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
    JOIN pg_class t ON t.oid = a.indrelid
    JOIN pg_class ai ON ai.oid = a.indexrelid
    JOIN pg_class bi ON bi.oid = b.indexrelid
    WHERE t.relname ~ '^(accounts|catalog|recommendations)_'
      AND NOT a.indisunique
      AND ai.relam = bi.relam
      AND a.indexprs IS NULL AND b.indexprs IS NULL
      AND pg_get_expr(a.indpred, a.indrelid) IS NOT DISTINCT FROM pg_get_expr(b.indpred, b.indrelid)
      AND a.indnkeyatts <= b.indnkeyatts
      AND (a.indkey::int2[])[0:a.indnkeyatts - 1] = (b.indkey::int2[])[0:a.indnkeyatts - 1]
      AND (a.indclass::oid[])[0:a.indnkeyatts - 1] = (b.indclass::oid[])[0:a.indnkeyatts - 1]
      AND (a.indoption::int2[])[0:a.indnkeyatts - 1] = (b.indoption::int2[])[0:a.indnkeyatts - 1]
    ORDER BY 1, 2
"""


def test_no_index_of_the_shop_repeats_the_leading_columns_of_another():
    with connection.cursor() as cursor:
        cursor.execute(LEADING_PART_OF_ANOTHER)
        assert cursor.fetchall() == []


def test_every_article_index_serves_a_query_of_the_shop_or_its_admin():
    """Django indexes a slug and a db_index text column twice (b-tree and pattern ops): nothing
    looks an article up by its slug (product URLs go by id) or by the start of its index group."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_article'")
        assert {name for (name,) in cursor.fetchall()} == set(NEEDED_BY)


@pytest.fixture
def catalogue():
    chooser = random.Random(20200922)
    Article.objects.bulk_create(
        ArticleFactory.build(
            article_id=108775001 + number,
            product_code=108775 + number // 4,
            index_group_name=GROUPS[number % len(GROUPS)],
            popularity=chooser.choice([0.0, 0.0, chooser.random() * 100]),
            is_available=number % 13 != 0,
        )
        for number in range(CROWD)
    )
    analyze("catalog_article")


def plan(sql, params=(), *, sorted_by_index=False):
    """The query's plan without scans of the whole table; `sorted_by_index`: without sorts either,
    for a query an index holds in its full order (else the planner may read another index and
    sort ties, as it did once other tests had bloated the table)."""
    switched_off = ("seqscan", "bitmapscan", *(("sort", "incremental_sort") if sorted_by_index else ()))
    return query_plan(sql, params, switched_off=switched_off)


def listing_query(queries):
    """The statement that reads a list's rows in order (the one with ORDER BY and LIMIT)."""
    [sql] = [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT") and "ORDER BY" in query["sql"] and "LIMIT" in query["sql"]
    ]
    return sql


@pytest.mark.parametrize("params", [{}, {"index_group_name": "Menswear"}], ids=["all", "a group"])
def test_the_article_admins_list_reads_an_index_in_its_order(staff_client, catalogue, params):
    """Every article, on sale or not, by popularity: only a full index has them in that order. On a
    few thousand rows the planner reads a group from article_popularity, filtering; at H&M scale
    (105k, Sport 3%) it takes article_group_popularity: 0.6 ms for Sport's first page, 6 ms
    without it."""
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get("/admin/catalog/article/", params).status_code == 200
    explained = plan(listing_query(queries))
    assert re.search(r"Index Scan using article_(group_)?popularity on catalog_article", explained), explained
    assert "  Sort  " not in explained and "Presorted Key: popularity" in explained, explained


@pytest.mark.parametrize(
    ("queryset", "index", "sorted_by_index"),
    [
        (
            lambda: (
                Article.objects.browsable()
                .filter(index_group_name="Menswear", popularity__gt=0)
                .order_by("-popularity", "article_id")[:12]
            ),
            "article_on_sale_group_popular",
            True,
        ),
        (
            lambda: (
                Article.objects.browsable()
                .filter(popularity__gt=0)
                .order_by("-popularity", "article_id")[:12]
            ),
            "article_on_sale_popular",
            True,
        ),
        (lambda: Article.objects.browsable().variants_of(108800), "catalog_article_product_code", False),
    ],
    ids=["trending fallback of a group", "trending fallback", "colour variants"],
)
def test_the_shops_article_queries_read_an_index(catalogue, queryset, index, sorted_by_index):
    sql, params = queryset().query.sql_with_params()
    explained = plan(sql, params, sorted_by_index=sorted_by_index)
    assert f"using {index}" in explained and "Seq Scan" not in explained, explained


def test_the_retired_photo_sweeps_lookup_reads_both_photo_indexes(catalogue):
    """recorded_paths runs once per batch of 200 retired paths, under the lock photo writers wait
    for: without these indexes each was a scan of the whole table (95 ms at H&M scale)."""
    paths = [f"articles/108/{108775001 + number:010d}-1a2b3c4d5e6f7a8b.jpg" for number in range(200)]
    with CaptureQueriesContext(connection) as queries:
        Article.objects.recorded_paths(paths)
    [query] = queries
    # Bitmap scans stay on: two of them, OR-ed, are how one query reads both indexes.
    explained = query_plan(query["sql"], switched_off=["seqscan"])
    scans = re.findall(r"(Seq Scan on \w+|(?:Bitmap )?Index Scan (?:using|on) \w+)", explained)
    assert sorted(scans) == [
        "Bitmap Index Scan on article_image",
        "Bitmap Index Scan on article_image_thumbnail",
    ]
    assert "Sort" not in explained  # the paths are a set: no order to pay for
