import pytest

from catalog.categories import category_slug, category_tree
from catalog.services import catalog_cache_clear
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Baby/Children", "baby-children"),
        ("Men Suits & Tailoring", "men-suits-tailoring"),
        ("Ladies H&M Sport", "ladies-h-m-sport"),
        ("", "other"),
    ],
)
def test_category_slugs_keep_words_apart(name, slug):
    assert category_slug(name) == slug


def test_the_tree_is_cached_until_the_catalogue_cache_is_cleared(django_assert_num_queries):
    ArticleFactory()
    assert list(category_tree()) == ["ladieswear"]
    ArticleFactory(index_group_name="Menswear")
    with django_assert_num_queries(0):
        assert list(category_tree()) == ["ladieswear"]
    catalog_cache_clear()  # what an import does when it finishes
    assert sorted(category_tree()) == ["ladieswear", "menswear"]


def test_the_tree_counts_articles_per_level():
    ArticleFactory.create_batch(2, section_name="Womens Tailoring", product_group_name="Garment Lower body")
    ArticleFactory(section_name="Womens Tailoring", product_group_name="Garment Upper body")
    group = category_tree()["ladieswear"]
    section = group.sections["womens-tailoring"]
    assert (group.count, section.count) == (3, 3)
    assert [(pg.name, pg.count) for pg in section.product_groups.values()] == [
        ("Garment Lower body", 2),
        ("Garment Upper body", 1),
    ]
