"""Facet counts: each facet counted with every other facet's filter but not its own, all of them
in one pass over the matches (five passes took 200 ms for a common word at H&M scale)."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.filters import COLOUR_FACET, FACETS, ArticleFilters, CategoryPath, FacetSelection
from catalog.selectors import facet_counts, filtered_articles
from catalog.views import SEARCH_FACETS
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

TYPES = [(253, "Vest top"), (272, "Trousers"), (265, "Dress")]
COLOURS = [(9, "Black"), (10, "White"), (42, "Red")]
PATTERNS = [(1010016, "Solid"), (1010017, "Stripe")]
GROUPS = [(1, "Ladieswear"), (3, "Menswear")]


@pytest.fixture
def mixed_catalogue(searchable):
    """Seventy articles of random type, colour, pattern and group, several colours per product,
    half of them described as cotton, a few off sale."""
    chooser = random.Random(7)
    for number in range(70):
        type_no, type_name = chooser.choice(TYPES)
        colour, colour_name = chooser.choice(COLOURS)
        pattern, pattern_name = chooser.choice(PATTERNS)
        group_no, group_name = chooser.choice(GROUPS)
        ArticleFactory(
            product_code=600000 + number // 3,
            product_type_no=type_no,
            product_type_name=type_name,
            colour_group_code=colour,
            colour_group_name=colour_name,
            graphical_appearance_no=pattern,
            graphical_appearance_name=pattern_name,
            index_group_no=group_no,
            index_group_name=group_name,
            detail_desc="Soft cotton jersey." if chooser.random() < 0.5 else "Woven linen.",
            is_available=number % 13 != 5,
        )
    searchable()


def counted_one_facet_at_a_time(selection, facets, query, count_products):
    """What each facet's value counts: the articles (or products) listed once it is clicked."""
    counts = {}
    for facet in facets:
        scoped = filtered_articles(selection=selection.without(facet.param), query=query)
        products = count_products and facet.param != COLOUR_FACET.param
        for article in scoped:
            key = (facet.param, getattr(article, facet.name_field))
            counts.setdefault(key, set()).add(article.product_code if products else article.article_id)
    return {key: len(counted) for key, counted in counts.items()}


@pytest.mark.parametrize(
    ("path", "filters", "facets", "query", "count_products"),
    [
        (CategoryPath(), {}, SEARCH_FACETS, "cotton", True),
        (CategoryPath(), {"colour": (9,), "type": (253, 272)}, SEARCH_FACETS, "cotton", True),
        (CategoryPath(), {"colour": (9, 42)}, SEARCH_FACETS, "cotton", False),
        (
            CategoryPath(),
            {"group": (3,), "pattern": (1010017,), "colour": (10,)},
            SEARCH_FACETS,
            "cotton",
            True,
        ),
        (CategoryPath("Ladieswear"), {}, FACETS, "", False),
        (CategoryPath("Ladieswear"), {"type": (265,), "pattern": (1010016,)}, FACETS, "", False),
    ],
)
def test_each_facet_counts_what_its_values_would_list(
    mixed_catalogue, path, filters, facets, query, count_products
):
    selection = FacetSelection(path, ArticleFilters(filters))
    counted = {
        (counts.facet.param, value.name): value.count
        for counts in facet_counts(
            selection=selection, facets=facets, query=query, count_products=count_products
        )
        for value in counts.values
    }
    assert counted == counted_one_facet_at_a_time(selection, facets, query, count_products)
    assert counted  # the catalogue has something to count


def test_the_matches_are_found_once_for_all_facets(mixed_catalogue):
    selection = FacetSelection(filters=ArticleFilters({"colour": (9,), "type": (253,)}))
    with CaptureQueriesContext(connection) as queries:
        facet_counts(selection=selection, facets=SEARCH_FACETS, query="cotton", count_products=True)
    assert len(queries) == 1
    finding_once = str(filtered_articles(selection=FacetSelection(), query="cotton").query)
    assert finding_once.count("websearch_to_tsquery") >= 1
    assert queries[0]["sql"].count("websearch_to_tsquery") == finding_once.count("websearch_to_tsquery")
