"""The search page's blend: full-text ranking merged with a semantic ranker injected by settings."""

import pytest
from django.db import connection

from catalog.models import Article
from catalog.search import matching_articles, order_by_relevance, semantic_matches
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

# What the stub ranker answers, best first (set per test): all its matches, and those close enough
# to be shown when no word of the query matches.
SEMANTIC_ANSWER: list[int] = []
STANDALONE_ANSWER: list[int] = []
# The words each call asked the stub for.
ASKED: list[str] = []


def stub_ranker(query: str, *, standalone: bool = False) -> list[int]:
    ASKED.append(query)
    return list(STANDALONE_ANSWER if standalone else SEMANTIC_ANSWER)


def broken_ranker(query: str, *, standalone: bool = False) -> list[int]:
    raise RuntimeError("model server on fire")


@pytest.fixture
def catalogue(settings):
    settings.SEARCH_SEMANTIC_MATCHES = "tests.catalog.test_search_blend.stub_ranker"
    STANDALONE_ANSWER[:] = []
    ASKED[:] = []
    lexical_best = ArticleFactory(prod_name="Jersey top jersey", popularity=1)
    lexical_and_semantic = ArticleFactory(prod_name="Jersey dress", popularity=1)
    semantic_only = ArticleFactory(prod_name="Wrap dress", detail_desc="", popularity=1)
    unrelated = ArticleFactory(prod_name="Denim shorts", detail_desc="", popularity=9)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_article SET search_vector = to_tsvector('english', prod_name)")
    return lexical_best, lexical_and_semantic, semantic_only, unrelated


def ranked(query: str) -> list[int]:
    queryset = matching_articles(Article.objects.all(), query)
    return list(order_by_relevance(queryset, query).values_list("article_id", flat=True))


def test_an_article_in_both_rankings_comes_first(catalogue):
    lexical_best, both, semantic_only, unrelated = catalogue
    SEMANTIC_ANSWER[:] = [semantic_only.article_id, both.article_id]
    order = ranked("jersey")
    assert order[0] == both.article_id
    assert set(order) == {lexical_best.article_id, both.article_id, semantic_only.article_id}
    assert unrelated.article_id not in order


def test_when_no_word_matches_only_close_photos_stand_alone(catalogue):
    """A typo or a foreign word ("dres", "kleid") still sits near some photos; a page of near misses
    is worse than the empty state, which helps the shopper on."""
    _, _, semantic_only, unrelated = catalogue
    SEMANTIC_ANSWER[:] = [unrelated.article_id, semantic_only.article_id]
    STANDALONE_ANSWER[:] = [semantic_only.article_id]
    assert ranked("burgundy evening gown") == [semantic_only.article_id]
    STANDALONE_ANSWER[:] = []
    assert ranked("dres") == []


def test_when_words_match_the_nearer_photos_join_them(catalogue):
    lexical_best, both, semantic_only, _ = catalogue
    SEMANTIC_ANSWER[:] = [semantic_only.article_id]
    assert set(ranked("jersey")) == {lexical_best.article_id, both.article_id, semantic_only.article_id}


def test_an_article_number_that_is_no_article_finds_nothing(catalogue, client):
    SEMANTIC_ANSWER[:] = STANDALONE_ANSWER[:] = [article.article_id for article in catalogue]
    assert ranked("0999999999") == []
    page = client.get("/search/", {"q": "0999999999"})
    assert page.status_code == 200
    assert list(page.context["articles"]) == []
    assert client.get("/api/v1/search/", {"q": "999999999"}).json()["count"] == 0


def test_a_semantic_only_match_earns_no_score_for_words_it_lacks(catalogue):
    """PostgreSQL's ts_rank gives a document without the words of a query of two or more words
    1e-20, not 0: counted as a word match, a photo-only hit outranked word matches its semantic
    position alone would not."""
    lexical_best, _, semantic_only, _ = catalogue  # "Jersey top jersey"
    tops = [ArticleFactory(prod_name=name, popularity=1) for name in ("Jersey top", "Long jersey top", "Top")]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_article SET search_vector = to_tsvector('english', prod_name)")
    SEMANTIC_ANSWER[:] = []
    by_words = ranked("jersey top")
    assert set(by_words) == {lexical_best.article_id, tops[0].article_id, tops[1].article_id}
    # Third by words, third by photos: the tie goes to the word match.
    SEMANTIC_ANSWER[:] = [by_words[0], by_words[1], semantic_only.article_id]
    assert ranked("jersey top") == [*by_words, semantic_only.article_id]


def test_a_word_excluded_keeps_its_articles_out_of_the_photo_matches_too(catalogue):
    """"jersey -dress": the photos of dresses (those the words exclude) stayed in the results,
    and the photos were asked for "jersey -dress", which a text encoder reads as "dress"."""
    lexical_best, both, semantic_only, unrelated = catalogue  # both: "Jersey dress"
    dresses = ArticleFactory(prod_name="Slip dress", detail_desc="", popularity=1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_article SET search_vector = to_tsvector('english', prod_name)")
    SEMANTIC_ANSWER[:] = [both.article_id, dresses.article_id, unrelated.article_id]
    STANDALONE_ANSWER[:] = [semantic_only.article_id]  # "Wrap dress"
    assert ranked("jersey -dress") == [lexical_best.article_id, unrelated.article_id]
    assert set(ASKED) == {"jersey"}
    # A phrase excluded, and words excluded alone: no photo is asked for, none is shown.
    ASKED[:] = []
    assert unrelated.article_id not in ranked('-"denim shorts" -dress')
    assert semantic_only.article_id not in ranked('-"denim shorts" -dress')
    assert set(ASKED) <= {""}
    # A hyphen inside a phrase or a word excludes nothing.
    ASKED[:] = []
    ranked('"jersey -dress" t-shirt')
    assert set(ASKED) == {'"jersey -dress" t-shirt'}


def test_without_semantic_matches_the_full_text_order_stands(catalogue):
    lexical_best, both, _, _ = catalogue
    SEMANTIC_ANSWER[:] = []
    assert ranked("jersey") == [lexical_best.article_id, both.article_id]


def test_a_failing_ranker_costs_the_blend_not_the_search(catalogue, settings):
    lexical_best, both, _, _ = catalogue
    settings.SEARCH_SEMANTIC_MATCHES = "tests.catalog.test_search_blend.broken_ranker"
    assert semantic_matches("jersey") == []
    assert ranked("jersey") == [lexical_best.article_id, both.article_id]


def test_the_blend_can_be_switched_off(catalogue, settings):
    settings.SEARCH_SEMANTIC_MATCHES = ""
    SEMANTIC_ANSWER[:] = [catalogue[2].article_id]
    assert semantic_matches("jersey") == []
