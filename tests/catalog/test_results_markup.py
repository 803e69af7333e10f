"""What the results column says to a screen reader and where its links land."""

import re

import pytest

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
    assert re.search(r'<form class="sort-form" method="get" action="/c/ladieswear/#results">', page)
    assert 'class="facet-clear" href="/c/ladieswear/#results"' in page
