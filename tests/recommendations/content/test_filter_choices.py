"""Shop the look's filter choices offer only values a photo search can return."""

import pytest

from catalog.services import articles_set_availability
from recommendations.content.selectors import InvalidSearchFilter, filter_choices, parse_search_filters
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

PAGE = "/shop-the-look/"


def photographed_article(**fields):
    return ArticleFactory(image="images/010/0108775015.jpg", image_sha256="a" * 64, **fields)


@pytest.fixture
def on_sale():
    return photographed_article(
        index_group_name="Ladieswear", product_type_name="Vest top", colour_group_name="Black"
    )


@pytest.fixture
def off_sale_only():
    """An article whose department, type and colour no article on sale has."""
    return photographed_article(
        index_group_name="Sport",
        product_type_name="Swimsuit",
        colour_group_name="Ultraviolet",
        is_available=False,
    )


def test_values_only_off_sale_articles_have_are_not_offered(on_sale, off_sale_only):
    assert filter_choices() == {
        "index_group": ["Ladieswear"],
        "product_type": ["Vest top"],
        "colour": ["Black"],
    }


def test_the_page_does_not_offer_them(client, on_sale, off_sale_only):
    page = client.get(PAGE).content.decode()
    assert '<option value="Black">Black</option>' in page
    for value in ("Sport", "Swimsuit", "Ultraviolet"):
        assert f'value="{value}"' not in page


def test_a_value_only_off_sale_articles_have_is_refused_with_its_field(on_sale, off_sale_only):
    with pytest.raises(InvalidSearchFilter) as refused:
        parse_search_filters({"colour": "Ultraviolet"})
    assert refused.value.field == "colour"
    assert "Ultraviolet" in refused.value.message


def test_values_of_articles_without_a_photo_are_not_offered(on_sale):
    ArticleFactory(colour_group_name="Red")  # on sale, but no photo: the content model never holds it
    assert filter_choices()["colour"] == ["Black"]


def test_an_article_taken_off_sale_leaves_the_choices_at_once(on_sale, django_capture_on_commit_callbacks):
    red = photographed_article(colour_group_name="Red")
    assert filter_choices()["colour"] == ["Black", "Red"]  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        articles_set_availability(article_ids=[red.article_id], available=False)
    assert filter_choices()["colour"] == ["Black"]

    with django_capture_on_commit_callbacks(execute=True):
        articles_set_availability(article_ids=[red.article_id], available=True)
    assert filter_choices()["colour"] == ["Black", "Red"]
