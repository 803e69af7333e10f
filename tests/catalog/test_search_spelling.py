"""Spelling correction: a word the catalogue does not know is read as the closest one it does."""

import html

import pytest
from django.db import connection

from catalog.services import articles_refresh_derived
from catalog.spelling import slips, spelling_correction
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(article.prod_name for article in response.context["articles"])


@pytest.fixture
def shop(searchable):
    """Black jeans and a dress; every description says "back", a word of descriptions only."""
    ArticleFactory(
        prod_name="Slim jeans",
        product_type_name="Trousers",
        colour_group_name="Black",
        detail_desc="Jeans in washed denim with a zip at the back.",
    )
    ArticleFactory(
        prod_name="Wrap dress",
        product_type_name="Dress",
        colour_group_name="Red",
        detail_desc="Dress in woven fabric with a tie at the back.",
    )
    ArticleFactory(
        prod_name="Strap top",
        product_type_name="Vest top",
        colour_group_name="White",
        detail_desc="Top in ribbed jersey with an open back.",
    )
    searchable()


def test_a_misspelt_search_shows_results_for_the_closest_words(client, shop):
    response = client.get("/search/", {"q": "blck jeans"})
    assert names(response) == ["Slim jeans"]
    page = html.unescape(response.text)
    assert "Results for “black jeans”" in page
    assert "Showing results for <strong>black jeans</strong>" in page
    assert 'href="/search/?q=blck+jeans&exact=1">Search instead for “blck jeans”' in page
    for typed, corrected in [("trousres", "trousers"), ("dres", "dress"), ("jeens", "jeans")]:
        response = client.get("/search/", {"q": typed})
        assert response.context["corrected_query"] == corrected, typed
        assert response.context["articles"], typed


def test_the_words_as_typed_are_one_click_away(client, shop):
    response = client.get("/search/", {"q": "blck jeans", "exact": "1"})
    assert response.status_code == 200
    assert list(response.context["articles"]) == []
    assert 'data-testid="spelling-correction"' not in response.text
    assert "find anything for “blck jeans”" in html.unescape(response.text)


def test_filter_and_sort_links_keep_the_shoppers_words_and_choice(client, shop):
    corrected = client.get("/search/", {"q": "blck jeans"})
    colour_links = [link.url for facet in corrected.context["facets"] for link in facet.links]
    assert colour_links and all(url.startswith("/search/?q=blck+jeans&") for url in colour_links)
    assert all("exact" not in url for url in colour_links)
    exact = client.get("/search/", {"q": "jeans", "exact": "1"})
    assert all("q=jeans&exact=1&" in link.url for facet in exact.context["facets"] for link in facet.links)
    assert '<input type="hidden" name="exact" value="1">' in exact.text


def test_ties_go_to_the_word_shoppers_search_by(shop):
    """ "blck" is one slip from "black" (a colour) and from "back" (in all three descriptions)."""
    assert spelling_correction("blck") == "black"


def test_known_words_are_never_corrected(shop):
    # As the documents hold them, by their stem, stop words, operators and shoppers' synonyms.
    for query in ["jeans", "dresses", "the dress for me", "jeans or dress", "navy pants", "jumper", "tees"]:
        assert spelling_correction(query) is None, query


def test_words_far_from_every_catalogue_word_are_left_alone(client, shop):
    for query in ["kleid", "xyzzy", "bl", "2pack", "0999999999"]:
        assert spelling_correction(query) is None, query
    response = client.get("/search/", {"q": "xyzzy"})
    assert response.context["corrected_query"] == ""
    assert "find anything for “xyzzy”" in html.unescape(response.text)


def test_longer_words_may_be_two_slips_off(shop):
    assert spelling_correction("slimmm jeans") == "slim jeans"
    # Five letters or fewer allow one slip: "xlimm" is two from "slim".
    assert spelling_correction("xlimm jeans") is None


def test_only_the_unknown_words_change_and_syntax_stays(shop):
    assert spelling_correction('"Slim jens" or dres') == '"Slim jeans" or dress'
    # An excluded word excludes nothing when misspelt; it is the shopper's own.
    assert spelling_correction("jeans -dres") is None
    assert spelling_correction("jumpr") == "jumper"  # a word the search reads as "sweater"


def test_new_words_are_known_once_an_admin_save_commits(searchable, django_capture_on_commit_callbacks):
    ArticleFactory(prod_name="Strap top")
    searchable()
    assert spelling_correction("gilett") is None
    gilet = ArticleFactory(prod_name="Quilted gilet")
    with django_capture_on_commit_callbacks(execute=True):
        articles_refresh_derived(article_ids=[gilet.article_id])
    assert spelling_correction("gilett") == "gilet"


def test_an_import_brings_its_words_in(hm_files):
    from tests.catalog.hm_data import run_import

    assert spelling_correction("blck") is None  # an empty shop knows no words
    run_import(hm_files, images=False)
    assert spelling_correction("blck") == "black"


def test_a_misspelt_search_runs_one_small_query_more_once(client, shop, queries_for, settings):
    # Web processes look up the active model version every few seconds, a query when its cache
    # key has just expired: once in the warm-up here, never in the requests counted.
    settings.SERVING_VERSION_CHECK_SECONDS = 3600
    client.get("/search/", {"q": "dress"})  # builds the cached vocabulary, as on a running site
    plain = queries_for(client, "/search/?q=jeans")
    first = queries_for(client, "/search/?q=jeanz")
    assert len(first) == len(plain) + 1
    assert any("ts_lexize" in sql for sql in first)
    # Stems are remembered by the process; the vocabulary by the cache.
    assert len(queries_for(client, "/search/?q=jeanz+dress")) == len(plain)


def test_the_api_says_which_words_it_searched(client, shop):
    body = client.get("/api/v1/search/", {"q": "blck jeans"}).json()
    assert set(body) == {"count", "next", "previous", "results", "query", "spelling_corrected"}
    assert (body["query"], body["spelling_corrected"]) == ("black jeans", True)
    assert [item["name"] for item in body["results"]] == ["Slim jeans"]
    exact = client.get("/api/v1/search/", {"q": "blck jeans", "exact": "true"}).json()
    assert (exact["query"], exact["spelling_corrected"], exact["count"]) == ("blck jeans", False, 0)
    plain = client.get("/api/v1/search/", {"q": "jeans"}).json()
    assert (plain["query"], plain["spelling_corrected"]) == ("jeans", False)


def test_a_bad_exact_value_is_refused_by_name(client, shop):
    response = client.get("/api/v1/search/", {"q": "jeans", "exact": "maybe"})
    assert response.status_code == 400
    assert "'maybe' is not a yes or no" in response.json()["exact"][0]
    page = client.get("/search/", {"q": "jeans", "exact": "maybe"})
    assert page.status_code == 400
    assert "maybe" in html.unescape(page.text)


def test_without_search_documents_nothing_is_corrected(shop, monkeypatch):
    # The SQLite demo's search is a substring match ("dres" finds dresses) and has no documents.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    from catalog.vocabulary import build_vocabulary

    assert spelling_correction("dres", build_vocabulary()) is None


@pytest.mark.parametrize(
    ("first", "second", "distance"),
    [
        ("trousres", "trousers", 1),  # a swapped pair is one slip
        ("dres", "dress", 1),
        ("blck", "black", 1),
        ("kleid", "plaid", 2),
        ("jumpr", "jumper", 1),
        ("abc", "abc", 0),
        ("sweater", "sweaterrrr", 3),
    ],
)
def test_slips_counts_typing_mistakes(first, second, distance):
    assert slips(first, second, 5) == distance
    if distance:
        # Past the limit it stops counting and says so: the limit plus one.
        assert slips(first, second, distance - 1) == distance
