"""Shoppers' words for what the catalogue names otherwise ("navy", "pants", "tee", "kids")."""

import pytest

from catalog.models import Article
from catalog.search import matching_articles, order_by_relevance, with_synonyms
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

# What the stub ranker was asked, so a test can see the photo half got the catalogue's words.
ASKED: list[str] = []


def recording_ranker(query: str, *, standalone: bool = False) -> list[int]:
    ASKED.append(query)
    return []


# What the photo ranker below finds for any words.
PHOTO_MATCHES: list[int] = []


def photo_ranker(query: str, *, standalone: bool = False) -> list[int]:
    ASKED.append(query)
    return PHOTO_MATCHES


@pytest.fixture(autouse=True)
def words_only(settings):
    settings.SEARCH_SEMANTIC_MATCHES = "tests.catalog.test_search_synonyms.recording_ranker"
    ASKED.clear()


def found(query: str) -> set[str]:
    return set(matching_articles(Article.objects.all(), query).values_list("prod_name", flat=True))


def test_shoppers_words_find_what_the_catalogue_calls_otherwise(searchable):
    ArticleFactory(prod_name="Chinos", product_type_name="Trousers", colour_group_name="Dark Blue")
    ArticleFactory(prod_name="Basic", product_type_name="T-shirt", colour_group_name="White")
    ArticleFactory(prod_name="Cable knit", product_type_name="Sweater", colour_group_name="Grey")
    ArticleFactory(prod_name="Runner", product_type_name="Sneakers", colour_group_name="White")
    ArticleFactory(prod_name="Puffer", product_type_name="Jacket", index_group_name="Baby/Children")
    ArticleFactory(prod_name="Bomber", product_type_name="Jacket", index_group_name="Menswear")
    ArticleFactory(prod_name="Biker", product_type_name="Jacket", index_group_name="Ladieswear")
    searchable()
    assert found("navy trousers") == {"Chinos"}
    assert found("Pants") == {"Chinos"}
    assert found("tees") == {"Basic"}
    assert found("jumper") == {"Cable knit"}
    assert found("white trainers") == {"Runner"}
    assert found("kids jacket") == {"Puffer"}
    assert found("men's jacket") == found("mens jacket") == {"Bomber"}
    assert found("womens jacket") == {"Biker"}


def test_the_photo_half_is_asked_in_the_catalogues_words(searchable):
    ArticleFactory(prod_name="Chinos", product_type_name="Trousers", colour_group_name="Dark Blue")
    searchable()
    queryset = matching_articles(Article.objects.all(), "navy pants")
    list(order_by_relevance(queryset, "navy pants"))
    assert set(ASKED) == {"dark blue trousers"}


def test_only_whole_words_are_rewritten():
    assert with_synonyms("teen tees") == "teen t-shirts"
    assert with_synonyms("WOMEN'S pullover") == "ladieswear sweater"
    assert with_synonyms("menswear") == "menswear"
    assert with_synonyms("t-tee x-men") == "t-tee x-men"


def test_an_excluded_word_is_rewritten_too():
    """ "-navy" excluded "navy", a word the catalogue never uses, so dark blue trousers stayed."""
    assert with_synonyms("shirt -men") == "shirt -menswear"
    assert with_synonyms("-tee") == "-t-shirt"
    assert with_synonyms('trousers -navy "slip -navy"') == 'trousers -"dark blue" "slip -dark blue"'


def test_excluding_a_shoppers_word_excludes_what_the_catalogue_calls_it(searchable):
    ArticleFactory(prod_name="Chinos", product_type_name="Trousers", colour_group_name="Dark Blue")
    ArticleFactory(prod_name="Slacks", product_type_name="Trousers", colour_group_name="Black")
    ArticleFactory(prod_name="Basic", product_type_name="T-shirt", colour_group_name="White")
    ArticleFactory(prod_name="Oxford", product_type_name="Shirt", colour_group_name="White")
    searchable()
    assert found("trousers -navy") == {"Slacks"}
    assert found("white -tee") == {"Oxford"}


def test_the_photo_half_leaves_out_what_an_excluded_synonym_names(searchable, settings):
    """The photos' own exclusion copied the word: "-navy" let a dark blue photo match through."""
    chinos = ArticleFactory(prod_name="Chinos", product_type_name="Trousers", colour_group_name="Dark Blue")
    slacks = ArticleFactory(prod_name="Slacks", product_type_name="Trousers", colour_group_name="Black")
    searchable()
    PHOTO_MATCHES[:] = [chinos.article_id, slacks.article_id]
    settings.SEARCH_SEMANTIC_MATCHES = "tests.catalog.test_search_synonyms.photo_ranker"
    assert found("bottoms -navy") == {"Slacks"}
    assert ASKED == ["bottoms", "bottoms"]
