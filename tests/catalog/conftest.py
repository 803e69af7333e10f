import pytest

from catalog.services import article_refresh_search_vectors
from tests.factories import ArticleFactory

MENSWEAR = {
    "index_group_no": 3,
    "index_group_name": "Menswear",
    "index_code": "F",
    "index_name": "Menswear",
    "section_no": 21,
    "section_name": "Men Suits & Tailoring",
    "product_group_name": "Garment Lower body",
    "product_type_no": 272,
    "product_type_name": "Trousers",
    "garment_group_no": 1009,
    "garment_group_name": "Trousers",
    "department_no": 7616,
    "department_name": "Trousers",
}


@pytest.fixture
def menswear_trousers():
    """Build a Menswear article (its own index group, section, product group and type)."""

    def build(**fields):
        return ArticleFactory(**{**MENSWEAR, **fields})

    return build


@pytest.fixture
def searchable():
    """Fill the full-text documents of every article created so far (the importer does it for real)."""
    return article_refresh_search_vectors
