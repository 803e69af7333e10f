"""A seeded random fuzz of the shopper pages' query strings: browse filters, sort, page, search
words (unicode, control characters, very long, SQL and tsquery syntax), product slugs and ids, shop
the look. Whatever a crawler or a hand-edited link sends is a page or a 400 that says what was wrong,
a redirect or a 404; never a server error. Same seed, same requests."""

from __future__ import annotations

import random
from urllib.parse import quote

import pytest

from catalog.services import article_refresh_search_vectors
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

SEED = 20261207
REQUESTS = 150
PARAMETERS = ["q", "sort", "page", "colour", "type", "pattern", "garment", "group", "exact"]
VALUES = [
    "", " ", "0", "-1", "2", "9" * 30, "9" * 5000, "1_0", "\u0661\u0662", " 7 ", "0x10", "1e3", "nan",
    "last", "true", "1.5", "\U0001f457 dress", "' OR 1=1--", "a & b | !c", ":*", "(((", "<->", "\\",
    "%", "*", "\u202eRTL", "e\u0301", "\ufeff", "\x7f", "\x1b", "\t\n", "x" * 300, "dress " * 2000,
    "<script>alert(1)</script>", "trousres", "blck jeans", "0108775000", "navy pants", '"unquoted',
    "'; DROP TABLE catalog_article; --", "\u3000", "\U0010ffff", "\x00", "popular", "newest",
    "price_asc", "relevance", "9", "253", "1010016", "1002",
]
ANSWERS = {200, 301, 302, 400, 404}


@pytest.fixture
def shop():
    # Ids and names fixed here, not drawn from the factory's sequences (which go on from whatever
    # tests ran before), so that the same seed sends the same requests to the same articles.
    dark_blue = {"colour_group_code": 73, "colour_group_name": "Dark Blue"}
    articles = [
        ArticleFactory(
            article_id=108775000 + n,
            product_code=500000 + n,
            prod_name=f"Strap top {n}",
            **(dark_blue if n >= 20 else {}),
        )
        for n in range(30)
    ]
    article_refresh_search_vectors()
    return articles


def addresses(articles):
    first = articles[0]
    searches = ["/search/"] * 6  # the page that does the most with what it is sent
    return [
        *searches,
        "/",
        "/shop-the-look/",
        "/accounts/login/",
        "/accounts/signup/",
        "/c/ladieswear/",
        "/c/ladieswear/womens-everyday-basics/",
        "/c/ladieswear/womens-everyday-basics/garment-upper-body/",
        "/c/%E6%9D%B1%E4%BA%AC/",
        first.get_absolute_url(),
        f"/p/{first.article_id}/",
        f"/p/another-slug-{first.article_id}/",
        "/p/9999999999/",
    ]


def random_query(rng: random.Random) -> str:
    pairs = [(rng.choice(PARAMETERS), rng.choice(VALUES)) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.5:
        pairs.append(("q", rng.choice(VALUES)))
    return "&".join(f"{quote(name)}={quote(value)}" for name, value in pairs)


def test_no_query_string_gets_a_server_error_from_a_shopper_page(client, shop):
    rng = random.Random(SEED)
    pages = addresses(shop)
    unexpected = []
    for _ in range(REQUESTS):
        url = f"{rng.choice(pages)}?{random_query(rng)}"
        status = client.get(url).status_code  # a server error raises here, with its traceback
        if status not in ANSWERS:
            unexpected.append(f"{url[:200]}: {status}")
    assert unexpected == []
