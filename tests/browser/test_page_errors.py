"""A page's error message is drawn as one on every page that has one, not only where its styles
used to live (shop-the-look.css): the search page's "you have searched a lot" was plain text."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def one_search_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"search_user": "1/min", "search_anon": "1/min"},
    }


def test_a_refused_search_says_so_in_an_error_box(page, one_search_a_minute):
    page.goto("/search/?q=dress")
    page.goto("/search/?q=dress")
    error = page.get_by_test_id("search-error")
    assert "wait" in error.inner_text()
    assert error.evaluate("box => getComputedStyle(box).borderTopStyle") == "solid"
    assert page.title().startswith("Error: ")  # the first thing a screen reader says of the page
