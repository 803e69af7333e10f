"""An article whose photo is on record but whose file is gone from storage (deleted, a media volume
not mounted) shows the shop's placeholder wherever article photos appear, never a broken image."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from catalog.models import Article
from tests.browser.test_shopping_flow import shop  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOST = "0110065001"  # the Basic tee: trending, bought by alice, found by "tee"
KEPT = "0108775015"  # the red Strap top keeps its photo
PLACEHOLDER = re.compile(r"/static/img/placeholder(\.[0-9a-f]+)?\.svg$")
SHOWS_PIXELS = "img => img.complete && img.naturalWidth > 0"


@pytest.fixture
def lost_photo(shop):  # noqa: F811
    article = Article.objects.get(article_id=int(LOST))
    (settings.MEDIA_ROOT / article.image).unlink()
    return shop


def card_photo(page, article_id: str):
    return page.locator(f"a.card-link[href$='-{article_id}/'] img").first


def assert_placeholder_shown(image) -> None:
    image.scroll_into_view_if_needed()  # cards further down load lazily
    expect(image).to_have_attribute("src", PLACEHOLDER)
    image.page.wait_for_function(SHOWS_PIXELS, arg=image.element_handle())


def test_a_photo_missing_from_storage_shows_the_placeholder_on_every_page(page, lost_photo):
    page.goto("/")
    assert_placeholder_shown(page.locator(f"[data-slot=trending] a.card-link[href$='-{LOST}/'] img"))
    page.steps.shot("home-trending")

    page.goto("/c/ladieswear/")
    assert_placeholder_shown(card_photo(page, LOST))
    kept = card_photo(page, KEPT)
    kept.scroll_into_view_if_needed()
    page.wait_for_function(SHOWS_PIXELS, arg=kept.element_handle())
    assert "/media/" in kept.get_attribute("src")  # a photo that is there is left alone
    page.steps.shot("browse")

    page.goto("/search/?q=tee")
    assert_placeholder_shown(card_photo(page, LOST))
    page.steps.shot("search")

    page.goto(f"/p/basic-tee-black-{LOST}/")
    product_photo = page.locator(".product-image img")
    assert_placeholder_shown(product_photo)
    assert product_photo.get_attribute("alt") == "Basic tee, Black: no photo yet"  # as the placeholder says
    page.steps.shot("product")

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/")
    bought = page.locator(f"a[href$='-{LOST}/'] img").all()
    assert bought  # the purchase history shows the tee
    for image in bought:
        assert_placeholder_shown(image)
    page.steps.shot("account")
