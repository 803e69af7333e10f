import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import ArticleFactory
from tests.test_throttles import new_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle_history():
    cache.delete("throttle_search_anon_127.0.0.1")


def ids(response):
    return [item["article_id"] for item in response.json()["results"]]


def test_it_lists_articles_most_popular_first_with_display_fields(client):
    ArticleFactory(article_id=108775015, prod_name="Strap top", popularity=1, price=0.0169)
    ArticleFactory(article_id=118775044, popularity=9)
    response = client.get("/api/v1/articles/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert ids(response) == ["0118775044", "0108775015"]
    item = body["results"][1]
    assert item["name"] == "Strap top"
    assert item["display_price"] == "€16.90"
    assert item["url"] == "http://testserver/p/strap-top-black-0108775015/"
    assert item["image_url"] is None
    assert item["variant_count"] == 1


def test_it_filters_like_the_browse_pages(client, menswear_trousers):
    black = ArticleFactory(colour_group_code=9, colour_group_name="Black")
    ArticleFactory(colour_group_code=42, colour_group_name="Red")
    men = menswear_trousers(colour_group_code=9, colour_group_name="Black")
    assert set(ids(client.get("/api/v1/articles/?colour=9"))) == {black.display_id, men.display_id}
    assert ids(client.get("/api/v1/articles/?colour=9&index_group=menswear")) == [men.display_id]
    assert ids(client.get("/api/v1/articles/?index_group=Menswear&section=men-suits-tailoring")) == [
        men.display_id
    ]
    assert ids(client.get("/api/v1/articles/?product_group=garment-lower-body")) == [men.display_id]
    assert ids(client.get("/api/v1/articles/?type=272")) == [men.display_id]


def test_it_searches_full_text_and_orders(client, searchable):
    cheap = ArticleFactory(prod_name="Linen shirt", price=0.01)
    dear = ArticleFactory(prod_name="Linen trousers", price=0.09)
    ArticleFactory(prod_name="Wool coat")
    searchable()
    assert set(ids(client.get("/api/v1/articles/?q=linen"))) == {cheap.display_id, dear.display_id}
    assert ids(client.get("/api/v1/articles/?q=linen&ordering=price_desc")) == [
        dear.display_id,
        cheap.display_id,
    ]
    assert ids(client.get("/api/v1/articles/?q=linen&ordering=price_asc")) == [
        cheap.display_id,
        dear.display_id,
    ]


def test_it_paginates(client):
    ArticleFactory.create_batch(5)
    body = client.get("/api/v1/articles/?page_size=2&page=2").json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=3&page_size=2")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("colour=black", "colour", "'black' is not a colour code (a whole number)"),
        ("ordering=cheapest", "ordering", "'cheapest' is not a sort order; use one of relevance, popular"),
        ("ordering=relevance", "ordering", "`relevance` needs a text query in `q`."),
        ("index_group=shoes", "index_group", "Unknown index group 'shoes'; use one of: ladieswear."),
        ("section=basics", "section", "Give `index_group` too"),
        (
            "index_group=ladieswear&section=x",
            "section",
            "Unknown section 'x'; use one of: womens-everyday-basics.",
        ),
        (
            "product_group=hats",
            "product_group",
            "Unknown product group 'hats'; use one of: garment-upper-body.",
        ),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(client, query, field, message):
    ArticleFactory()
    response = client.get(f"/api/v1/articles/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()[field][0].startswith(message)


def test_one_article_with_its_variants_by_padded_or_unpadded_id(client):
    black = ArticleFactory(article_id=108775015, product_code=108775, colour_group_name="Black")
    white = ArticleFactory(article_id=108775044, product_code=108775, colour_group_name="White")
    for article_id in ["0108775015", "108775015"]:
        response = client.get(f"/api/v1/articles/{article_id}/")
        assert response.status_code == 200
        body = response.json()
        assert body["article_id"] == "0108775015"
        assert body["description"] == black.detail_desc
        assert [(v["article_id"], v["colour"]) for v in body["variants"]] == [
            (black.display_id, "Black"),
            (white.display_id, "White"),
        ]


def test_an_unknown_article_is_a_json_404_that_says_what_to_do(client):
    response = client.get("/api/v1/articles/123/")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No article with id 0000000123.")
    assert "GET /api/v1/articles/" in response.json()["detail"]


def test_text_queries_are_throttled_but_browsing_is_not(client, settings, searchable):
    ArticleFactory(prod_name="Linen shirt")
    searchable()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"search_user": "100/min", "search_anon": "2/min"},
    }
    client = Client(REMOTE_ADDR=new_address())  # counts of its own
    assert [client.get("/api/v1/articles/?q=linen").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/articles/").status_code == 200


def test_the_list_runs_a_fixed_number_of_queries(client, queries_for):
    ArticleFactory.create_batch(2)
    client.get("/api/v1/articles/")
    few = queries_for(client, "/api/v1/articles/")
    ArticleFactory.create_batch(30)
    # The count, the page's ids, its articles, and the colour counts of the page's products.
    assert len(queries_for(client, "/api/v1/articles/")) == len(few) == 4


def test_a_pasted_article_id_finds_that_article(client, searchable):
    article = ArticleFactory(article_id=108775015, prod_name="Strap top")
    ArticleFactory(prod_name="Other")
    searchable()
    for url in ("/api/v1/articles/?q=0108775015", "/api/v1/search/?q=108775015"):
        results = client.get(url).json()["results"]
        assert [result["article_id"] for result in results] == [article.display_id], url
    # An id that is no article is searched as text (and finds nothing here).
    assert client.get("/api/v1/articles/?q=0999999999").json()["results"] == []


def test_it_says_which_prices_come_from_the_other_colours(client):
    ArticleFactory(article_id=108775015, price=0.0169, first_sold_on=dt.date(2020, 9, 1), popularity=3)
    ArticleFactory(article_id=108775044, price=0.0169, first_sold_on=None, popularity=2)
    ArticleFactory(article_id=108775055, price=None, first_sold_on=None, popularity=1)

    results = client.get("/api/v1/articles/").json()["results"]

    assert [item["price_from_other_colours"] for item in results] == [False, True, False]
    detail = client.get("/api/v1/articles/0108775044/").json()
    assert detail["price_from_other_colours"] is True
