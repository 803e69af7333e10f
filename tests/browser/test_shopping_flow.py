"""A shopper's path through the shop in a real browser: home → browse with a filter → product →
another colour → search → log in → purchase history."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from PIL import Image

from catalog.models import Article
from catalog.services import article_refresh_search_vectors
from tests.browser.conftest import chromium, desktop_page
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_DAY = dt.date(2020, 9, 22)
COLOURS = {"Black": (9, (25, 25, 25)), "Red": (42, (200, 40, 40)), "White": (10, (245, 245, 245))}


def photographed(article_id: int, colour: str, **fields):
    """An article with a real JPEG on disk, as the importer leaves it."""
    code, rgb = COLOURS[colour]
    path = f"images/{str(article_id).zfill(10)[:3]}/{str(article_id).zfill(10)}.jpg"
    target = settings.MEDIA_ROOT / path
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.new("RGB", (80, 120), rgb).save(buffer, "JPEG")
    target.write_bytes(buffer.getvalue())
    return ArticleFactory(
        article_id=article_id,
        colour_group_code=code,
        colour_group_name=colour,
        image=path,
        image_thumbnail=path,
        image_width=80,
        image_height=120,
        **fields,
    )


@pytest.fixture
def shop():
    red_top = photographed(108775015, "Red", product_code=108775, prod_name="Strap top", popularity=5)
    photographed(108775044, "White", product_code=108775, prod_name="Strap top", popularity=4)
    black_tee = photographed(110065001, "Black", product_code=110065, prod_name="Basic tee", popularity=3)
    photographed(
        111586001,
        "Black",
        product_code=111586,
        prod_name="Denim skirt",
        detail_desc="Short skirt in washed denim.",
        price=None,  # never sold, nor any other colour of it: its card and page say so
        first_sold_on=None,
    )
    alice = CustomerFactory(user=UserFactory(username="alice"))
    PurchaseFactory(customer=alice, article=red_top, t_dat=LAST_DAY)
    PurchaseFactory(customer=alice, article=black_tee, t_dat=LAST_DAY - dt.timedelta(days=20))
    PurchaseFactory.create_batch(3, article=black_tee, t_dat=LAST_DAY)
    article_refresh_search_vectors()
    return alice


def test_a_shopper_browses_filters_picks_a_colour_searches_and_sees_their_history(page, shop):
    steps = page.steps
    page.goto("/")
    assert page.locator("[data-slot=trending] .card-title").first.inner_text() == "Basic tee"
    steps.shot("home")

    page.get_by_role("navigation", name="Departments").get_by_role("link", name="Ladieswear").click()
    page.wait_for_url("**/c/ladieswear/")
    assert page.get_by_test_id("results-count").inner_text() == "4 items"
    page.locator("a[data-facet=colour]", has_text="Red").click()
    page.wait_for_url("**/c/ladieswear/?colour=42#results")
    assert page.get_by_test_id("results-count").inner_text() == "1 item"
    steps.shot("browse-red")

    page.get_by_test_id("results").get_by_role("link", name="Strap top").click()
    page.wait_for_url("**/p/strap-top-red-0108775015/")
    assert page.get_by_test_id("colour").inner_text() == "Red"
    image = page.locator(".product-image img")
    assert image.get_attribute("alt") == "Strap top, Red"
    assert image.evaluate("img => img.complete && img.naturalWidth") == 80
    steps.shot("product-red")

    page.get_by_role("navigation", name="Colours").get_by_role("link", name="White").click()
    page.wait_for_url("**/p/strap-top-white-0108775044/")
    assert page.get_by_test_id("colour").inner_text() == "White"
    steps.shot("product-white")

    page.get_by_label("Search products").first.fill("denim skirt")
    page.get_by_label("Search products").first.press("Enter")
    page.wait_for_url("**/search/?q=denim+skirt")
    assert page.get_by_test_id("results").locator(".card-title").all_inner_texts() == ["Denim skirt"]
    steps.shot("search")

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/search/?q=denim+skirt")  # back where the shopper was
    page.get_by_test_id("account-link").click()
    page.wait_for_url("**/accounts/")
    days = page.get_by_test_id("history-day")
    assert days.count() == 2
    assert days.first.locator("time").inner_text() == "22 September 2020"
    # The photo is part of the link that names the article: read once, not "Strap top, Red Strap top".
    assert days.first.locator("img").get_attribute("alt") == ""
    assert days.first.get_by_role("link", name="Strap top", exact=True).count() == 1
    assert page.locator("[data-slot=for-you]").is_visible()
    steps.shot("account")


def test_on_a_phone_the_filters_fold_away_and_the_grid_has_two_columns(page, shop):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/c/ladieswear/")
    filters = page.locator("details.filters")
    assert not filters.evaluate("details => details.open")
    assert not page.locator("a[data-facet=colour]").first.is_visible()
    page.locator("details.filters > summary").click()
    assert page.locator("a[data-facet=colour]").first.is_visible()
    columns = page.get_by_test_id("results").evaluate(
        "grid => getComputedStyle(grid).gridTemplateColumns.split(' ').length"
    )
    assert columns == 2
    # Nothing is wider than the screen (no sideways scrolling of the page itself).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390



@pytest.fixture(scope="module")
def browser_with_back_forward_cache(playwright):
    """Chromium as shoppers run it: Playwright turns the back/forward cache off by default."""
    yield from chromium(playwright, ignore_default_args=["--disable-back-forward-cache"])


# Each pageshow of the window, and whether the page came from the back/forward cache: a page
# loaded again runs this anew, one restored from the cache keeps its list and adds to it.
RECORD_PAGESHOWS = """
window.pageshows = [];
addEventListener("pageshow", event => { window.pageshows.push(event.persisted); });
"""


@pytest.mark.parametrize("from_cache", [False, True], ids=["page-loaded-again", "back-forward-cache"])
def test_back_from_a_sorted_list_the_sort_menu_names_the_order_shown(request, live_server, shop, from_cache):
    """Back from the list sorted by price, the list was by popularity again and its menu still
    said "Price: low to high": Chromium fills the fields of a page loaded again as they were
    left, and its back/forward cache shows the page itself as it was left."""
    if from_cache:
        browser = request.getfixturevalue("browser_with_back_forward_cache")
        page = desktop_page(request, browser, live_server.url)
    else:
        page = request.getfixturevalue("page")
    Article.objects.filter(prod_name="Denim skirt").update(price=0.001)  # the cheapest, least popular
    page.add_init_script(RECORD_PAGESHOWS)
    page.goto("/c/ladieswear/")
    by_popularity = page.get_by_test_id("results").locator(".card-title").all_inner_texts()
    page.get_by_label("Sort by").select_option("price_asc")
    page.get_by_role("button", name="Sort").click()
    page.wait_for_url("**/c/ladieswear/?sort=price_asc#results")
    assert page.get_by_test_id("results").locator(".card-title").all_inner_texts() != by_popularity
    page.go_back(wait_until="commit")  # a page from the cache fires no "load"
    page.wait_for_url("**/c/ladieswear/", wait_until="commit")
    # The restored page's list holds its first load's pageshow already: the checks wait for the
    # restore's own, which the page's script also answers.
    shown = [False, True] if from_cache else [False]
    # A function, not an expression: polling an expression is an eval, which the shop's policy refuses.
    page.wait_for_function("count => window.pageshows && window.pageshows.length === count", arg=len(shown))
    assert page.evaluate("window.pageshows") == shown
    assert page.get_by_test_id("results").locator(".card-title").all_inner_texts() == by_popularity
    assert page.get_by_label("Sort by").input_value() == "popular"


def test_on_a_desktop_a_shelf_shows_that_it_holds_more_than_fits(page):
    """Six of the twelve trending cards filled the desktop's row exactly, and a mouse without a
    sideways wheel (a Mac's scrollbars show only while scrolling) gave no hint of the other six;
    phones and tablets show part of the next card."""
    for _ in range(8):
        PurchaseFactory(article=ArticleFactory(), t_dat=LAST_DAY)
    page.goto("/")
    shelf = page.locator("[data-slot=trending] .shelf-items")
    cards = shelf.locator(":scope > li")
    assert cards.count() == 8
    shelf_right = shelf.evaluate("shelf => shelf.getBoundingClientRect().right")
    seventh = cards.nth(6).evaluate("card => card.getBoundingClientRect()")
    assert seventh["left"] < shelf_right - seventh["width"] / 3
