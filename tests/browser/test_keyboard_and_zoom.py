"""Accessibility checks a keyboard user and a shopper with large text would notice: what a key
does to focus, where focus lands, and whether the page stays within the screen."""

from __future__ import annotations

import pytest

from tests.browser.test_shopping_flow import shop  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_arrowing_through_the_sort_options_does_not_reload_the_page(page, shop):  # noqa: F811
    page.goto("/c/ladieswear/")
    select = page.get_by_label("Sort by")
    select.focus()
    page.keyboard.press("ArrowDown")
    # A reload would have taken the new order into the address and focus back to the top.
    page.wait_for_timeout(300)
    assert "sort=" not in page.url
    assert page.evaluate("document.activeElement.id") == "sort-select"

    page.get_by_role("button", name="Sort").click()
    page.wait_for_url("**/c/ladieswear/?sort=newest*")
