"""The shop's own pages follow the visitor's colour scheme, and read in both (WCAG AA): every text
at 4.5:1 or more against what is drawn behind it (the fields' placeholders and the missing-photo
placeholder's words included), the fields' edges and the focus ring at 3:1. Django's admin has
its own themes (tests/browser/test_admin_contrast.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.contrast import NON_TEXT, NORMAL_TEXT, colour_ratio, contrast, page_text_contrasts
from tests.browser.test_page_errors import one_search_a_minute  # noqa: F401  (fixture)
from tests.browser.test_shopping_flow import shop  # noqa: F401  (fixture)
from tests.browser.test_small_screens import (  # noqa: F401  (fixtures)
    ANONYMOUS_PAGES,
    SHOPPER_PAGES,
    login_refusals,
    long_history,
    served_error_pages,
)
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEMES = ["light", "dark"]
BLACK = "rgb(0, 0, 0)"
# The page's own background: near white (21:1 against black) in the light scheme, near black in the
# dark one; a page that ignores the dark scheme stays white.
FOLLOWS_SCHEME = {"light": lambda ratio_to_black: ratio_to_black > 15, "dark": lambda ratio: ratio < 1.5}

FIELDS = "input[type=search], input[type=text], input[type=email], input[type=password], select"
FIELDS_JS = f"""() => Array.from(document.querySelectorAll('{FIELDS}'))
  .filter((field) => field.checkVisibility())
  .map((field) => {{
    const style = getComputedStyle(field);
    return {{name: field.name, background: style.backgroundColor, edge: style.borderTopColor,
            placeholder: field.placeholder ? getComputedStyle(field, '::placeholder').color : null}};
  }})"""
PAGE_BACKGROUND_JS = """() => [document.body, document.documentElement]
  .map((element) => getComputedStyle(element).backgroundColor)
  .find((colour) => !colour.startsWith('rgba') && colour !== 'transparent') || 'rgb(255, 255, 255)'"""


def unreadable(page) -> list[str]:
    """What on the current page reads under WCAG AA, or does not follow the page's colour scheme."""
    page.wait_for_load_state()  # a form's answer: its stylesheet, not only its elements
    where = page.url
    found = [
        f"{where}: {text['text'][:40]!r} {text['foreground']} on {text['background']}: {text['ratio']:.2f}:1"
        for text in page_text_contrasts(page)
        if text["ratio"] < NORMAL_TEXT
    ]
    scheme = "dark" if page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") else "light"
    background = page.evaluate(PAGE_BACKGROUND_JS)
    if not FOLLOWS_SCHEME[scheme](colour_ratio(background, BLACK)):
        found.append(f"{where}: the page's background {background} is not {scheme}")
    for field in page.evaluate(FIELDS_JS):
        if colour_ratio(field["edge"], field["background"]) < NON_TEXT:
            found.append(f"{where}: field {field['name']}'s edge {field['edge']} on {field['background']}")
        if field["placeholder"] and colour_ratio(field["placeholder"], field["background"]) < NORMAL_TEXT:
            found.append(f"{where}: field {field['name']}'s placeholder {field['placeholder']}")
    return found


@pytest.fixture
def retired_article():
    return ArticleFactory(article_id=108775099, prod_name="Old top", is_available=False)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_follows_the_colour_scheme_and_reads_in_it(
    served_error_pages,  # noqa: F811
    long_history,  # noqa: F811
    retired_article,
    scheme,
):
    page = served_error_pages
    page.emulate_media(color_scheme=scheme)
    found = []
    for url in [*ANONYMOUS_PAGES, retired_article.get_absolute_url()]:
        page.goto(url)
        found += unreadable(page)
    found += login_refusals(page, unreadable)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/")
    for url in SHOPPER_PAGES:  # the account page's history has page links
        page.goto(url)
        found += unreadable(page)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_refused_search_reads_in_both_schemes(page, one_search_a_minute, scheme):  # noqa: F811
    page.emulate_media(color_scheme=scheme)
    page.goto("/search/?q=dress")
    page.goto("/search/?q=dress")
    page.get_by_test_id("search-error").wait_for()
    assert unreadable(page) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_focus_ring_stands_out_from_the_page(page, long_history, scheme):  # noqa: F811
    page.emulate_media(color_scheme=scheme)
    page.goto("/")
    search = page.get_by_label("Search products")
    search.focus()
    ring = search.evaluate("field => getComputedStyle(field).outlineColor")
    assert search.evaluate("field => getComputedStyle(field).outlineStyle") == "solid"
    background = page.evaluate(PAGE_BACKGROUND_JS)
    assert colour_ratio(ring, background) >= NON_TEXT

    # In a shelf the ring is drawn inside the card, over the light ground of its photo as well as
    # the page: the dark scheme's light blue was 1.99:1 on the photo.
    page.keyboard.press("Tab")  # keyboard use, so that :focus-visible applies to a link
    card = page.locator(".shelf-items a").first
    card.focus()
    inset = card.evaluate("card => getComputedStyle(card).outlineColor")
    photo_ground = page.evaluate(
        """() => { const probe = document.createElement('div'); probe.style.background = 'var(--photo)';
        document.body.append(probe); const colour = getComputedStyle(probe).backgroundColor;
        probe.remove(); return colour; }"""
    )
    assert colour_ratio(inset, photo_ground) >= NON_TEXT, (inset, photo_ground)
    assert colour_ratio(inset, background) >= NON_TEXT, (inset, background)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_missing_photo_placeholder_reads_and_follows_the_scheme(page, long_history, scheme):  # noqa: F811
    page.emulate_media(color_scheme=scheme)
    page.goto("/static/img/placeholder.svg")
    words = contrast(page.locator("text"))
    assert words["text"] == "No photo yet" and words["ratio"] >= NORMAL_TEXT

    # As the shop shows it: an <img> on a card (the Basic sock has no photo) draws in the page's scheme.
    page.goto("/")
    image = page.locator("a.card-link", has_text="Basic sock").locator("img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    corner = Image.open(io.BytesIO(image.screenshot())).convert("RGB").getpixel((2, 2))
    ground = f"rgb({corner[0]}, {corner[1]}, {corner[2]})"
    assert FOLLOWS_SCHEME[scheme](colour_ratio(ground, BLACK)), ground
