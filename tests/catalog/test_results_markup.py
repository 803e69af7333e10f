"""What the results column says to a screen reader and where its links land."""

import re

import pytest

from catalog.models import Article
from catalog.selectors import PAGE_SIZE
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_a_card_photo_is_not_named_again_since_the_link_text_names_the_article(client):
    ArticleFactory(prod_name="Strap top", colour_group_name="Black")
    page = client.get("/c/ladieswear/").text
    card = re.search(r'<article class="card">.*?</article>', page, re.S).group(0)
    assert 'alt=""' in card
    assert "Strap top" in re.search(r"<a class=\"card-link\".*?</a>", card, re.S).group(0)


def test_filter_sort_and_page_links_land_on_the_results_heading(client):
    ArticleFactory.create_batch(3, colour_group_code=9, colour_group_name="Black")
    ArticleFactory(colour_group_code=42, colour_group_name="Red")
    page = client.get("/c/ladieswear/?colour=9&page_size=1").text
    assert re.search(r'<h2 id="results"[^>]*>Results</h2>', page)
    facet_hrefs = re.findall(r'class="facet-link[^"]*" href="([^"]+)"', page)
    assert facet_hrefs and all(href.endswith("#results") for href in facet_hrefs)
    assert re.search(r'<form class="sort-form" method="get" action="/c/ladieswear/#results"[ >]', page)
    assert 'class="facet-clear" href="/c/ladieswear/#results"' in page


def test_a_folded_facets_button_says_which_facet_it_unfolds(client):
    # "2 more" alone, under each facet, was three buttons of one name in a screen reader's list.
    for code in range(10):
        ArticleFactory(colour_group_code=code, colour_group_name=f"Colour {code}")
    page = client.get("/c/ladieswear/").text
    assert '<summary>2 more<span class="visually-hidden"> colour choices</span></summary>' in page


def test_the_page_steps_arrows_are_not_read_out(client):
    ArticleFactory.create_batch(2 * PAGE_SIZE + 1)  # page 2 of 3 has both steps
    page = client.get("/c/ladieswear/?page=2").text
    assert '<span aria-hidden="true">\u2039</span> Previous</a>' in page
    assert 'Next <span aria-hidden="true">\u203a</span></a>' in page


def test_a_facet_count_of_one_is_read_out_as_one_item(client):
    # A screen reader read "Black 1 items" for the only black article.
    ArticleFactory(colour_group_code=9, colour_group_name="Black")
    ArticleFactory.create_batch(2, colour_group_code=42, colour_group_name="Red")
    page = client.get("/c/ladieswear/").text
    counts = re.findall(r'<span class="facet-count">(\d+)<span class="visually-hidden"> (\w+)</span>', page)
    assert ("1", "item") in counts
    assert ("2", "items") in counts
    assert ("1", "items") not in counts


def test_a_count_in_the_thousands_is_written_with_a_separator(client):
    # "1001 items" beside admin pages and messages that write "1,001".
    Article.objects.bulk_create(ArticleFactory.build_batch(1001))
    page = client.get("/c/ladieswear/").text
    assert '<p class="results-count" data-testid="results-count">1,001 items</p>' in page
    assert '<span class="facet-count">1,001<span class="visually-hidden"> items</span>' in page
    # The chips of the sections, and of the categories in one, too.
    assert '<span class="chip-count">1,001</span>' in page
    section = client.get("/c/ladieswear/womens-everyday-basics/").text
    assert '<span class="chip-count">1,001</span>' in section
