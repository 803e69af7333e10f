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


def test_each_photo_button_shows_its_own_focus_ring(page):
    page.goto("/shop-the-look/")
    outline = "label => getComputedStyle(label).outlineStyle"
    choose = page.locator("label[for=look-photo]")
    camera = page.locator("label[for=look-camera]")
    page.get_by_label("Search products").first.focus()
    for _ in range(20):  # from the header's search box, tabbing on to the first photo button
        if page.evaluate("document.activeElement.id") == "look-photo":
            break
        page.keyboard.press("Tab")
    assert (choose.evaluate(outline), camera.evaluate(outline)) == ("solid", "none")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "look-camera"
    assert (choose.evaluate(outline), camera.evaluate(outline)) == ("none", "solid")
