import html

import pytest
from django.db import connection

from catalog.models import Article
from catalog.search import matching_articles
from catalog.services import article_refresh_search_vectors
from tests.catalog.hm_data import manage_on_sqlite
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def names(response):
    return [article.prod_name for article in response.context["articles"]]


def test_it_ranks_a_name_match_above_a_description_match(client, searchable):
    ArticleFactory(prod_name="Basic tee", detail_desc="Goes with any denim skirt.", popularity=100)
    ArticleFactory(prod_name="Denim skirt", detail_desc="Short skirt in washed denim.", popularity=1)
    ArticleFactory(prod_name="Wool coat", detail_desc="Warm coat.")
    searchable()
    response = client.get("/search/?q=denim+skirt")
    assert response.status_code == 200
    assert names(response) == ["Denim skirt", "Basic tee"]


def test_it_finds_articles_by_type_colour_and_department(client, searchable):
    ArticleFactory(
        prod_name="Tilly",
        product_type_name="Blouse",
        colour_group_name="Light Pink",
        department_name="Blouse & Shirt",
    )
    ArticleFactory(prod_name="Other")
    searchable()
    for query in ["blouse", "pink", "blouses", "shirt"]:
        assert names(client.get(f"/search/?q={query}")) == ["Tilly"], query


def test_search_has_the_browse_filters_and_an_index_group_facet(client, searchable, menswear_trousers):
    ArticleFactory(
        prod_name="Black trousers",
        colour_group_code=9,
        colour_group_name="Black",
        product_type_name="Trousers",
    )
    ArticleFactory(
        prod_name="Red trousers", colour_group_code=42, colour_group_name="Red", product_type_name="Trousers"
    )
    menswear_trousers(prod_name="Men's trousers", colour_group_code=9, colour_group_name="Black")
    searchable()
    response = client.get("/search/?q=trousers&colour=9")
    assert sorted(names(response)) == ["Black trousers", "Men's trousers"]
    groups = {link.label: link for f in response.context["facets"] if f.param == "group" for link in f.links}
    assert {label: link.count for label, link in groups.items()} == {"Ladieswear": 1, "Menswear": 1}
    assert groups["Menswear"].url == "/search/?q=trousers&colour=9&group=3"
    assert names(client.get("/search/?q=trousers&colour=9&group=3")) == ["Men's trousers"]


def test_search_sorts_and_paginates(client, searchable):
    ArticleFactory.create_batch(25, prod_name="Linen shirt")
    ArticleFactory(prod_name="Linen shirt dear", price=0.9)
    searchable()
    response = client.get("/search/?q=linen&sort=price_desc")
    assert names(response)[0] == "Linen shirt dear"
    assert response.context["page_obj"].paginator.count == 26
    assert 'href="?q=linen&amp;sort=price_desc&amp;page=2#results"' in response.text


def test_an_empty_result_helps_the_shopper_on(client, searchable):
    ArticleFactory(prod_name="Strap top")
    searchable()
    response = client.get("/search/?q=spacesuit")
    page = html.unescape(response.text)
    assert response.status_code == 200
    assert "find anything for" in page
    assert "spacesuit" in page
    assert 'href="/c/ladieswear/"' in page
    filtered = html.unescape(client.get("/search/?q=strap&colour=42").text)
    assert "Search again without filters" in filtered


def test_a_blank_query_shows_a_prompt(client):
    response = client.get("/search/?q=++")
    assert response.status_code == 200
    assert "Type what you are looking for" in response.text


def test_an_article_number_goes_straight_to_the_product(client):
    article = ArticleFactory(article_id=108775015)
    for query in ["0108775015", "108775015"]:
        response = client.get(f"/search/?q={query}")
        assert response.status_code == 302
        assert response["Location"] == article.get_absolute_url()


def test_shopper_syntax_never_breaks_the_search(client, searchable):
    ArticleFactory(prod_name="Strap top")
    searchable()
    for query in ['"strap top"', "strap -dress", "top or skirt", "&|!():*", "'"]:
        assert client.get("/search/", {"q": query}).status_code == 200, query


def test_the_sqlite_fallback_matches_every_word_in_any_field(monkeypatch):
    ArticleFactory(prod_name="Strap top", colour_group_name="Black")
    ArticleFactory(prod_name="Strap dress", colour_group_name="Red")
    # The demo runs on SQLite; the fallback is plain icontains, which PostgreSQL runs too.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    found = matching_articles(Article.objects.all(), "STRAP black")
    assert [article.prod_name for article in found] == ["Strap top"]


@pytest.mark.parametrize("query", ["dress -red", "-red dress", 'dress -"dark red"'])
def test_the_sqlite_fallback_leaves_out_an_excluded_word_from_its_word_matches(monkeypatch, settings, query):
    """The word matches took "-red" for a word to find, minus sign and all: a dress described
    "dark-red" was found by "dress -red", and a blue one was not."""
    settings.SEARCH_SEMANTIC_MATCHES = ""  # the word matches alone
    ArticleFactory(prod_name="Jersey dress", colour_group_name="Dark Red", detail_desc="Dark-red jersey.")
    ArticleFactory(prod_name="Denim dress", colour_group_name="Blue")
    ArticleFactory(prod_name="Red top", colour_group_name="Red")
    monkeypatch.setattr(connection, "vendor", "sqlite")
    found = matching_articles(Article.objects.all(), query)
    assert [article.prod_name for article in found] == ["Denim dress"]


def test_the_sqlite_fallback_excludes_whole_words_not_parts_of_words(monkeypatch, settings):
    """An excluded word was matched anywhere in a field: "dress -red" hid a "Tiered dress" and one
    "with embroidered details", as PostgreSQL's full-text search never would."""
    settings.SEARCH_SEMANTIC_MATCHES = ""  # the word matches alone
    ArticleFactory(prod_name="Tiered dress", colour_group_name="Blue", detail_desc="Short dress.")
    ArticleFactory(
        prod_name="Denim dress", colour_group_name="Blue", detail_desc="A dress with embroidered details."
    )
    ArticleFactory(prod_name="Jersey dress", colour_group_name="Blue", detail_desc="A dark-red trim.")
    ArticleFactory(prod_name="Slip dress", colour_group_name="RED")
    monkeypatch.setattr(connection, "vendor", "sqlite")
    found = matching_articles(Article.objects.all(), "dress -red")
    assert sorted(article.prod_name for article in found) == ["Denim dress", "Tiered dress"]


@pytest.mark.parametrize(
    "query",
    [
        "jersey dress jersey dress jersey dress jersey dress -black",
        "short jersey dress with narrow shoulder straps lined -black",
    ],
)
def test_the_sqlite_fallback_applies_exclusions_however_many_words_are_wanted(monkeypatch, settings, query):
    """Wanted words that filled MAX_FALLBACK_TERMS left no room for the exclusions, which were
    dropped without a word: the black dress was found for "... -black"."""
    settings.SEARCH_SEMANTIC_MATCHES = ""
    description = "Short jersey dress with narrow shoulder straps, lined."
    ArticleFactory(prod_name="Jersey dress", colour_group_name="Black", detail_desc=description)
    ArticleFactory(prod_name="Jersey dress", colour_group_name="Blue", detail_desc=description)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    found = matching_articles(Article.objects.all(), query)
    assert [article.colour_group_name for article in found] == ["Blue"]


SQLITE_EXCLUSIONS = """
from catalog.models import Article
from catalog.search import matching_articles
from tests.factories import ArticleFactory

ArticleFactory(prod_name="Tiered dress", colour_group_name="Blue", detail_desc="Short dress.")
ArticleFactory(prod_name="Robe été", colour_group_name="Blue", detail_desc="A summer dress.")
ArticleFactory(prod_name="Slip dress", colour_group_name="Red", detail_desc="A dress.")
for query in ["dress -red", "dress -ÉTÉ"]:
    found = matching_articles(Article.objects.all(), query)
    print(query, "|", sorted(article.prod_name for article in found))
"""


def test_the_fallback_excludes_whole_words_on_sqlite_itself_in_any_case(migrated_sqlite, tmp_path):
    """The tests above run the fallback on PostgreSQL; the demo runs it on SQLite, whose LIKE
    folds the case of ASCII letters only ("-ÉTÉ" kept a "Robe été")."""
    result = manage_on_sqlite(
        *("shell", "--verbosity", "0", "-c", SQLITE_EXCLUSIONS),
        database=migrated_sqlite,
        media=tmp_path,
        SEARCH_SEMANTIC_MATCHES="",  # the word matches alone
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "dress -red | ['Robe été', 'Tiered dress']",
        "dress -ÉTÉ | ['Slip dress', 'Tiered dress']",
    ]


# What every photo search finds in the test below.
PHOTO_MATCHES: list[int] = []


def every_photo(query: str, *, standalone: bool = False) -> list[int]:
    return PHOTO_MATCHES


def photo_matches_on_sqlite(query: str, photos: list[Article], monkeypatch, settings) -> list[str]:
    """The names `query` finds through the SQLite fallback when every one of `photos` is a photo
    match (no article's words match "summer")."""
    PHOTO_MATCHES[:] = [article.article_id for article in photos]
    settings.SEARCH_SEMANTIC_MATCHES = "tests.catalog.test_search.every_photo"
    monkeypatch.setattr(connection, "vendor", "sqlite")
    return [article.prod_name for article in matching_articles(Article.objects.all(), query)]


def test_the_sqlite_fallback_leaves_out_a_quoted_excluded_phrase(monkeypatch, settings):
    """The phrase was split into '"slip' and 'top"', quote marks included, which no article has:
    the photos of slip tops stayed in the results."""
    slip = ArticleFactory(prod_name="Slip top", colour_group_name="Black")
    strap = ArticleFactory(prod_name="Strap top", colour_group_name="Black")
    found = photo_matches_on_sqlite('summer -"slip top"', [slip, strap], monkeypatch, settings)
    assert found == ["Strap top"]


def test_the_sqlite_fallback_keeps_a_photo_match_with_an_excluded_word_inside_another(monkeypatch, settings):
    """The photos' matches are held to the exclusions too, and were hidden by a part of a word as
    the word matches were: "-red" hid the photo of a "Tiered top"."""
    tiered = ArticleFactory(prod_name="Tiered top", colour_group_name="Blue")
    red = ArticleFactory(prod_name="Strap top", colour_group_name="Red")
    assert photo_matches_on_sqlite("summer -red", [tiered, red], monkeypatch, settings) == ["Tiered top"]


def test_refreshing_search_vectors_can_target_some_articles():
    first, _second = ArticleFactory.create_batch(2)
    assert article_refresh_search_vectors(article_ids=[first.article_id]) == 1
    assert list(Article.objects.filter(search_vector__isnull=False).values_list("pk", flat=True)) == [
        first.pk
    ]
    assert article_refresh_search_vectors() == 2
    assert article_refresh_search_vectors(article_ids=[]) == 0


def test_search_runs_a_fixed_number_of_queries(client, searchable, queries_for):
    ArticleFactory.create_batch(2, prod_name="Linen shirt")
    searchable()
    client.get("/search/?q=shirt")  # warms the cached category tree, as on a running site
    # A count, the page of articles, its colour counts and the facet counts; the same matches again
    # reuse the facet counts.
    first = queries_for(client, "/search/?q=linen")
    assert len(queries_for(client, "/search/?q=linen&sort=newest")) == 3
    ArticleFactory.create_batch(30, prod_name="Linen shirt")
    searchable()
    assert len(queries_for(client, "/search/?q=linen+shirt")) == len(first) == 4
