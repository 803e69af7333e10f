"""Accessibility checks a keyboard user and a shopper with large text would notice: what a key
does to focus, where focus lands, and whether the page stays within the screen."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.browser.conftest import PHONE
from tests.browser.test_shopping_flow import shop  # noqa: F401  (fixture)
from tests.factories import ArticleFactory, UserFactory

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
    page.wait_for_url("**/c/ladieswear/?sort=newest#results")
    # The sorted page starts at its results, not at the top with the filters to pass again.
    assert page.evaluate("document.activeElement.id") == "results"


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


def test_a_keyboard_user_frames_the_piece_with_arrows_and_resizes_it_with_shift(page, tmp_path):
    photo = tmp_path / "look.jpg"
    Image.new("RGB", (400, 400), (200, 40, 40)).save(photo, "JPEG")
    page.goto("/shop-the-look/")
    page.set_input_files("#look-photo", str(photo))
    page.locator("[data-crop-image]").wait_for(state="visible")
    page.locator("#look-camera").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-crop-stage')")
    box = page.locator("[data-crop-box]")
    assert box.is_hidden()

    def frame():
        return box.evaluate("box => [box.offsetLeft, box.offsetTop, box.offsetWidth, box.offsetHeight]")

    page.keyboard.press("ArrowRight")  # the first press puts a frame on the photo
    assert box.is_visible()
    left, top, width, height = frame()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    moved = frame()
    assert moved[0] > left and moved[1] > top and moved[2:] == [width, height]
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowUp")
    resized = frame()
    assert resized[:2] == moved[:2] and resized[2] < width and resized[3] < height
    assert "Shift" in page.locator("#crop-help").inner_text()


def test_a_failed_login_starts_the_keyboard_at_the_error_summary(page):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("[data-error-summary]")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.title().startswith("Error: ")


@pytest.mark.parametrize("url", ["/search/?q=strap+top", "/p/strap-top-red-0108775015/"])
def test_on_a_phone_with_large_text_nothing_is_wider_than_the_screen(page, shop, url):  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(url)
    page.add_style_tag(content="html { font-size: 200% !important; }")  # the browser's text size at 200%
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_phone_every_department_link_is_on_screen(page, shop):  # noqa: F811
    # H&M's five, as the real shop has them: on a phone they do not fit on one line.
    for number, name in [(2, "Divided"), (3, "Menswear"), (4, "Baby/Children"), (26, "Sport")]:
        ArticleFactory(index_group_no=number, index_group_name=name)
    page.set_viewport_size(PHONE)
    page.goto("/")
    links = page.get_by_role("navigation", name="Departments").get_by_role("link")
    assert links.count() == 5
    for box in (links.nth(number).bounding_box() for number in range(links.count())):
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize(
    ("url", "button"),
    [
        ("/accounts/signup/", "Create account"),
        ("/accounts/password/", "Change password"),
        ("/accounts/delete/", "Delete my account"),
    ],
)
def test_each_form_sent_back_with_errors_starts_the_keyboard_at_the_error_summary(page, url, button):
    if url != "/accounts/signup/":
        UserFactory(username="alice")
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/accounts/")
    page.goto(url)
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    # site.js moves focus once the page's scripts run; a field's autofocus must not take it back.
    page.wait_for_timeout(300)
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.title().startswith("Error: ")
