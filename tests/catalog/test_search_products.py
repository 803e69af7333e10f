"""Search shows one card per product: colours of one top must not crowd a results page."""

import html

import pytest

from catalog.models import Article
from catalog.search import matching_articles, order_by_relevance
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

COLOURS = [(9, "Black"), (10, "White"), (42, "Red"), (72, "Blue"), (71, "Light Blue")]


@pytest.fixture
def tops(searchable):
    """Five colours of a popular top, two of a wrap top, and a striped top of one colour."""
    basic = [
        ArticleFactory(
            product_code=108775,
            prod_name="Basic top",
            colour_group_code=code,
            colour_group_name=name,
            perceived_colour_master_name=name.split()[-1],
            popularity=50 - position,
        )
        for position, (code, name) in enumerate(COLOURS)
    ]
    wrap = [
        ArticleFactory(
            product_code=110065,
            prod_name="Wrap top",
            colour_group_code=code,
            colour_group_name=name,
            perceived_colour_master_name=name,
            popularity=popularity,
        )
        for (code, name), popularity in [((9, "Black"), 30), ((10, "White"), 45)]
    ]
    striped = ArticleFactory(
        product_code=111586,
        prod_name="Striped top",
        graphical_appearance_no=1010017,
        graphical_appearance_name="Stripe",
        colour_group_code=10,
        colour_group_name="White",
        perceived_colour_master_name="White",
        popularity=40,
    )
    searchable()
    return basic, wrap, striped


def cards(response):
    return [(article.article_id, article.variant_count) for article in response.context["articles"]]


def ranked_ids(query):
    return list(
        order_by_relevance(matching_articles(Article.objects.all(), query), query).values_list(
            "article_id", flat=True
        )
    )


def test_search_shows_the_best_placed_colour_of_each_product_in_the_same_order(client, tops):
    basic, wrap, striped = tops
    response = client.get("/search/", {"q": "top"})
    # Every article by rank, then the first of each product: the order the cards keep.
    first_of_each = []
    codes = set()
    for article_id in ranked_ids("top"):
        code = Article.objects.get(article_id=article_id).product_code
        if code not in codes:
            codes.add(code)
            first_of_each.append(article_id)
    assert [article_id for article_id, _ in cards(response)] == first_of_each
    assert cards(response) == [(basic[0].article_id, 5), (wrap[1].article_id, 2), (striped.article_id, 1)]
    page = html.unescape(response.text)
    assert "3 items" in page
    assert page.count("5 colours") == 1 and page.count("2 colours") == 1


def test_the_colour_the_words_place_first_stands_for_its_product(client, searchable):
    popular = ArticleFactory(
        product_code=300001, prod_name="Linen top", detail_desc="Top in woven fabric.", popularity=90
    )
    described = ArticleFactory(
        product_code=300001,
        prod_name="Linen top",
        colour_group_code=12,
        colour_group_name="Light Beige",
        detail_desc="Top in airy linen.",
        popularity=10,
    )
    searchable()
    # "linen" twice outranks it once, however popular; sorted by popularity, the popular one.
    assert cards(client.get("/search/", {"q": "linen"})) == [(described.article_id, 2)]
    assert cards(client.get("/search/", {"q": "linen", "sort": "popular"})) == [(popular.article_id, 2)]


def test_a_colour_filter_shows_every_article_in_it(client, tops):
    basic, _, _ = tops
    blues = client.get("/search/", {"q": "top", "colour": ["72", "71"]})
    assert [article_id for article_id, _ in cards(blues)] == [basic[3].article_id, basic[4].article_id]
    assert cards(blues)[0][1] == 5  # still says how many colours the product comes in


def test_a_colour_in_the_words_shows_every_article_in_it(client, tops):
    basic, _, _ = tops
    # "blue" is the perceived colour of Blue and Light Blue: the shopper asked for blues.
    blues = client.get("/search/", {"q": "blue top"})
    assert {article_id for article_id, _ in cards(blues)} == {basic[3].article_id, basic[4].article_id}
    # A colour excluded is no colour asked for.
    assert len(cards(client.get("/search/", {"q": "top -blue"}))) == 3


def test_facets_count_what_a_click_would_list(client, tops):
    response = client.get("/search/", {"q": "top"})
    facets = {
        facet.param: {link.label: link.count for link in facet.links} for facet in response.context["facets"]
    }
    # Products per pattern and department; articles per colour, since a colour lists them all.
    assert facets["pattern"] == {"Solid": 2, "Stripe": 1}
    assert facets["group"] == {"Ladieswear": 3}
    assert facets["colour"] == {"Black": 2, "White": 3, "Red": 1, "Blue": 1, "Light Blue": 1}
    for facet in response.context["facets"]:
        for link in facet.links:
            listed = client.get(link.url)
            assert listed.context["page_obj"].paginator.count == link.count, (facet.param, link.label)


def test_pages_count_products(client, searchable):
    for product in range(30):
        for code, name in COLOURS[:3]:
            ArticleFactory(
                product_code=200000 + product,
                prod_name=f"Linen shirt {product}",
                colour_group_code=code,
                colour_group_name=name,
            )
    searchable()
    first = client.get("/search/", {"q": "linen"})
    second = client.get("/search/", {"q": "linen", "page": "2"})
    assert first.context["page_obj"].paginator.count == 30
    shown = cards(first) + cards(second)
    assert len(cards(first)) == 24 and len(shown) == 30
    assert len({Article.objects.get(article_id=article_id).product_code for article_id, _ in shown}) == 30
    assert {count for _, count in shown} == {3}


def test_browse_pages_still_show_every_colour(client, tops):
    response = client.get("/c/ladieswear/")
    assert len(response.context["articles"]) == 8


def test_the_search_api_lists_what_the_page_shows(client, tops):
    for params in (
        {"q": "top"},
        {"q": "top", "colour": "9"},
        {"q": "blue top"},
        {"q": "top", "page_size": "2"},
    ):
        page = client.get("/search/", params)
        body = client.get("/api/v1/search/", params).json()
        expected = cards(page)[: int(params.get("page_size", 24))]
        assert [(int(item["article_id"]), item["variant_count"]) for item in body["results"]] == expected
        assert body["count"] == page.context["page_obj"].paginator.count, params
    # The articles API lists articles, every colour: it is no search page.
    assert client.get("/api/v1/articles/", {"q": "top"}).json()["count"] == 8


def test_a_product_search_runs_no_more_queries_than_an_article_search(client, tops, queries_for, settings):
    # Web processes look up the active model version every few seconds, a query when its cache
    # key has just expired: once in the warm-up here, never in the requests counted.
    settings.SERVING_VERSION_CHECK_SECONDS = 3600
    client.get("/search/", {"q": "dress"})  # warms the cached tree and vocabulary
    # Ids and product codes of the whole list, the page's articles, their colour counts, facets.
    assert len(queries_for(client, "/search/?q=top")) == 4
    # The count, the page's ids (catalog.selectors.ArticleCards), its articles, colour counts, facets.
    assert len(queries_for(client, "/search/?q=top&colour=9")) == 5
