import datetime as dt
import html

import pytest

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def result_names(response):
    return [article.prod_name for article in response.context["articles"]]


def facet(response, param):
    return {link.label: link for f in response.context["facets"] if f.param == param for link in f.links}


def test_it_lists_an_index_group_by_its_slug(client, menswear_trousers):
    ArticleFactory(prod_name="Tilly top")
    menswear_trousers(prod_name="Slim trousers")
    response = client.get("/c/menswear/")
    assert response.status_code == 200
    assert result_names(response) == ["Slim trousers"]
    assert response.context["heading"] == "Menswear"


def test_it_narrows_by_section_and_product_group(client, menswear_trousers):
    menswear_trousers(prod_name="Suit trousers")
    menswear_trousers(prod_name="Chinos", section_name="Men Casual", section_no=22)
    response = client.get("/c/menswear/men-casual/")
    assert result_names(response) == ["Chinos"]
    response = client.get("/c/menswear/men-suits-tailoring/garment-lower-body/")
    assert result_names(response) == ["Suit trousers"]
    assert [label for label, _ in response.context["breadcrumb"]] == [
        "Menswear",
        "Men Suits & Tailoring",
        "Garment Lower body",
    ]


@pytest.mark.parametrize(
    "url",
    ["/c/no-such-group/", "/c/ladieswear/no-such-section/", "/c/ladieswear/womens-everyday-basics/shoes/"],
)
def test_it_answers_404_for_unknown_categories(client, url):
    ArticleFactory()
    assert client.get(url).status_code == 404


def test_it_filters_by_colour_and_counts_each_value_without_its_own_filter(client):
    ArticleFactory(prod_name="Black top", colour_group_code=9, colour_group_name="Black")
    ArticleFactory(
        prod_name="Black tee",
        colour_group_code=9,
        colour_group_name="Black",
        product_type_no=255,
        product_type_name="T-shirt",
    )
    ArticleFactory(prod_name="Red top", colour_group_code=42, colour_group_name="Red")
    response = client.get("/c/ladieswear/?colour=9")
    assert sorted(result_names(response)) == ["Black tee", "Black top"]
    colours = facet(response, "colour")
    # Selecting Black must not hide how many Red articles there are.
    assert (colours["Black"].count, colours["Black"].selected) == (2, True)
    assert (colours["Red"].count, colours["Red"].selected) == (1, False)
    # Other facets are counted within the selection.
    assert {label: link.count for label, link in facet(response, "type").items()} == {
        "Vest top": 1,
        "T-shirt": 1,
    }


def test_filters_combine_within_a_facet_as_or_and_across_facets_as_and(client):
    ArticleFactory(prod_name="Black top", colour_group_code=9, colour_group_name="Black")
    ArticleFactory(prod_name="Red top", colour_group_code=42, colour_group_name="Red")
    ArticleFactory(
        prod_name="Red tee",
        colour_group_code=42,
        colour_group_name="Red",
        product_type_no=255,
        product_type_name="T-shirt",
    )
    assert sorted(result_names(client.get("/c/ladieswear/?colour=9&colour=42"))) == [
        "Black top",
        "Red tee",
        "Red top",
    ]
    assert result_names(client.get("/c/ladieswear/?colour=42&type=255")) == ["Red tee"]


def test_facet_links_keep_the_state_in_the_url_and_toggle_one_value(client):
    ArticleFactory(colour_group_code=9, colour_group_name="Black")
    ArticleFactory(colour_group_code=42, colour_group_name="Red")
    response = client.get("/c/ladieswear/?colour=9&sort=newest&page=1")
    colours = facet(response, "colour")
    assert colours["Red"].url == "/c/ladieswear/?colour=9&colour=42&sort=newest"
    assert colours["Black"].url == "/c/ladieswear/?sort=newest"
    assert response.context["clear_all_url"] == "/c/ladieswear/?sort=newest"


def test_it_sorts_by_popularity_newest_and_price(client):
    ArticleFactory(prod_name="Old cheap", popularity=5, first_sold_on=dt.date(2019, 1, 1), price=0.01)
    ArticleFactory(prod_name="New dear", popularity=1, first_sold_on=dt.date(2020, 9, 1), price=0.05)
    ArticleFactory(prod_name="Mid", popularity=3, first_sold_on=dt.date(2020, 1, 1), price=0.03)
    assert result_names(client.get("/c/ladieswear/")) == ["Old cheap", "Mid", "New dear"]
    assert result_names(client.get("/c/ladieswear/?sort=newest")) == ["New dear", "Mid", "Old cheap"]
    assert result_names(client.get("/c/ladieswear/?sort=price_asc")) == ["Old cheap", "Mid", "New dear"]
    assert result_names(client.get("/c/ladieswear/?sort=price_desc")) == ["New dear", "Mid", "Old cheap"]


def test_it_paginates_and_keeps_filters_in_page_links(client, settings):
    ArticleFactory.create_batch(26, colour_group_code=9, colour_group_name="Black")
    response = client.get("/c/ladieswear/?colour=9")
    assert len(response.context["articles"]) == 24
    assert response.context["page_obj"].paginator.count == 26
    assert 'href="?colour=9&amp;page=2#results"' in response.text
    second = client.get("/c/ladieswear/?colour=9&page=2")
    assert len(second.context["articles"]) == 2
    # A page past the end shows the last page rather than an error; 0, below 0 or no number the first.
    assert client.get("/c/ladieswear/?page=99").context["page_obj"].number == 2
    for page in ("0", "-1", "abc", ""):
        assert client.get(f"/c/ladieswear/?page={page}").context["page_obj"].number == 1, page


def test_it_explains_a_filter_it_cannot_read(client):
    ArticleFactory()
    response = client.get("/c/ladieswear/?colour=black")
    assert response.status_code == 400
    assert "'black' is not a colour code" in html.unescape(response.text)
    response = client.get("/c/ladieswear/?sort=cheapest")
    assert response.status_code == 400
    assert "popular, newest, price_asc, price_desc" in html.unescape(response.text)
    # The way out drops the filters, not the search.
    response = client.get("/search/?q=black+dress&sort=cheapest")
    assert response.status_code == 400 and 'href="/search/?q=black+dress"' in response.text


def test_the_header_lists_index_groups_biggest_first(client, menswear_trousers):
    ArticleFactory.create_batch(2)
    menswear_trousers()
    response = client.get("/c/menswear/")
    assert [group.name for group in response.context["index_groups"]] == ["Ladieswear", "Menswear"]
    assert '<a href="/c/menswear/" aria-current="page">Menswear</a>' in response.text


def test_browse_runs_the_same_few_queries_whatever_the_page_size(client, queries_for):
    ArticleFactory.create_batch(3)
    client.get("/c/ladieswear/")  # warms the cached category tree, as on a running site
    small = queries_for(client, "/c/ladieswear/?colour=9")
    ArticleFactory.create_batch(30, colour_group_code=10, colour_group_name="White")
    full = queries_for(client, "/c/ladieswear/?colour=9&colour=10")
    # A count, the page's ids, its articles, their products' colour counts, the facet counts (one
    # UNION ALL).
    assert len(small) == len(full) == 5


def test_one_name_with_several_codes_is_one_facet_value_selecting_them_all(client):
    # H&M's data has product type names with two codes (e.g. two "Umbrella" types).
    ArticleFactory(prod_name="Small umbrella", product_type_no=83, product_type_name="Umbrella")
    ArticleFactory(prod_name="Big umbrella", product_type_no=532, product_type_name="Umbrella")
    ArticleFactory(prod_name="Strap top")
    umbrella = facet(client.get("/c/ladieswear/"), "type")["Umbrella"]
    assert umbrella.count == 2
    assert umbrella.url == "/c/ladieswear/?type=83&type=532"
    response = client.get(umbrella.url)
    assert sorted(result_names(response)) == ["Big umbrella", "Small umbrella"]
    assert facet(response, "type")["Umbrella"].url == "/c/ladieswear/"


def test_facet_counts_are_cached_per_selection_until_the_catalogue_changes(client, queries_for):
    from catalog.services import catalog_cache_clear

    ArticleFactory(colour_group_code=9, colour_group_name="Black")
    assert len(queries_for(client, "/c/ladieswear/")) == 6  # + the category tree
    # Count, the page's ids, its articles and their colour counts; facets from the cache.
    assert len(queries_for(client, "/c/ladieswear/")) == 4
    ArticleFactory(colour_group_code=42, colour_group_name="Red")
    catalog_cache_clear()  # what an import does
    assert set(facet(client.get("/c/ladieswear/"), "colour")) == {"Black", "Red"}


def test_colour_counts_are_counted_for_the_page_only(client):
    """As a subquery of the listing, the count ran for every row an OFFSET skipped: 1.5 s for the
    last page of a category at H&M scale."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for colour_code in (9, 42, 73):
        ArticleFactory(product_code=555001, colour_group_code=colour_code, popularity=5)
    ArticleFactory(product_code=555001, colour_group_code=10, is_available=False)  # off sale: not counted
    ArticleFactory(product_code=555002, popularity=1)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/c/ladieswear/").content.decode()
        api = client.get("/api/v1/articles/", {"page_size": 2}).json()
    assert page.count("3 colours") == 3
    counts = {item["product_code"]: item["variant_count"] for item in api["results"]}
    assert counts == {555001: 3}
    listing = [query["sql"] for query in queries.captured_queries if "LIMIT" in query["sql"]]
    assert listing and not any("COUNT(" in sql.upper() for sql in listing)


def test_a_card_without_a_price_says_so(client):
    ArticleFactory(prod_name="Unpriced top", price=None)
    ArticleFactory(prod_name="Priced top", price=0.0169)

    page = html.unescape(client.get("/c/ladieswear/").text)

    assert page.count('<p class="card-price is-unknown">Price not available</p>') == 1
    assert '<p class="card-price">€16.90</p>' in page
