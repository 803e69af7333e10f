"""What the search document indexes: the words a shopper types, not PostgreSQL's token quirks."""

import pytest

from catalog.models import Article
from catalog.search import matching_articles
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def words_only(settings):
    settings.SEARCH_SEMANTIC_MATCHES = ""


def found(query: str) -> set[str]:
    return set(matching_articles(Article.objects.all(), query).values_list("prod_name", flat=True))


def test_a_t_shirt_is_not_a_shirt(searchable):
    checked = {"graphical_appearance_name": "Check", "detail_desc": ""}
    ArticleFactory(prod_name="Checked tee", product_type_name="T-shirt", **checked)
    ArticleFactory(prod_name="Flannel", product_type_name="Shirt", **checked)
    searchable()
    assert found("checked shirt") == {"Flannel"}
    for query in ["t-shirt", "T-shirts", "tshirt", "tshirts"]:
        assert found(query) == {"Checked tee"}, query


def test_leggings_are_not_wide_leg_trousers(searchable):
    ArticleFactory(prod_name="Shaping leggings", product_type_name="Leggings/Tights", detail_desc="")
    ArticleFactory(prod_name="Wide-leg trousers", product_type_name="Trousers", detail_desc="")
    searchable()
    assert found("leggings") == {"Shaping leggings"}
    assert found("tights") == {"Shaping leggings"}
    assert found("wide-leg") == {"Wide-leg trousers"}


def test_the_garment_group_is_not_searched(searchable):
    """H&M's garment group "Dressed" is tailoring; stemmed to `dress`, it made every blazer a dress."""
    ArticleFactory(prod_name="Tailored", product_type_name="Blazer", garment_group_name="Dressed")
    ArticleFactory(prod_name="Midi", product_type_name="Dress", garment_group_name="Jersey Fancy")
    searchable()
    assert found("dress") == {"Midi"}


def test_each_word_of_a_slashed_name_is_searched(searchable):
    ArticleFactory(prod_name="Padded", product_type_name="Jacket", index_group_name="Baby/Children")
    ArticleFactory(prod_name="Biker", product_type_name="Jacket", index_group_name="Ladieswear")
    searchable()
    assert found("children jacket") == {"Padded"}
    assert found("baby") == {"Padded"}
