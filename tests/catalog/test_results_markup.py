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
