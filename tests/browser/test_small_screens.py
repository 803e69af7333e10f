"""The shop's representative pages on common phone widths (320 to 414 px), in the light and the dark
colour scheme: nothing is wider than the screen, every control is at least 24 px each way (WCAG
2.5.8; a link inside a sentence is exempt) and overlaps none other, every field's text is 16 px or
more (iOS zooms into smaller), every in-page link (#…) has a place to land, and the header takes
two rows at most."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string

from storefront.content_security import HEADER, POLICY
from tests.browser.test_shopping_flow import LAST_DAY, shop  # noqa: F401  (fixture)
from tests.factories import ArticleFactory, PurchaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW_PHONE = {"width": 320, "height": 640}
# The narrowest phones in use (iPhone SE 1st generation), common Android ones, iPhone 12-15, Plus/Max.
PHONE_WIDTHS = [320, 360, 390, 414]
MIN_TARGET_PX = 24  # WCAG 2.5.8, target size (minimum)
MIN_FIELD_TEXT_PX = 16  # iOS Safari zooms the page into a field with smaller text when it takes focus
ANONYMOUS_PAGES = [
    "/",
    "/c/ladieswear/",
    "/p/strap-top-red-0108775015/",
    "/p/denim-skirt-black-0111586001/",  # no price
    "/search/",
    "/search/?q=strap+top",
    "/search/?q=nothing+like+this",
    "/shop-the-look/",
    "/accounts/login/",
    "/accounts/signup/",
    "/no-such-page/",
    "/search/?q=%00",  # 400
    "/busy/",  # 503, see served_error_pages
    "/broken/",  # 500
]
SHOPPER_PAGES = ["/", "/accounts/", "/accounts/password/", "/accounts/delete/"]

PROBLEMS = """([minimum, minimumFieldText]) => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth} px wide`);
  }
  const controls = 'a[href], button, summary, select, input:not([type=hidden]), label.button';
  const name = (element) => `${element.tagName.toLowerCase()} "${
    (element.textContent || element.value || element.name || element.getAttribute('aria-label') || '')
      .trim().slice(0, 30)}"`;
  const shown = [];
  for (const element of document.querySelectorAll(controls)) {
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || element.closest('.visually-hidden, .skip-link')) continue;
    // Not drawn: hidden, transparent, or inside a closed <details> (whose contents keep their boxes).
    if (!element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const style = getComputedStyle(element);
    shown.push([element, box]);
    const parent = element.parentElement;
    const inSentence = style.display === 'inline'
      && parent.textContent.trim().length > element.textContent.trim().length;
    if (!inSentence && (box.width < minimum || box.height < minimum)) {
      problems.push(`${name(element)} is ${Math.round(box.width)}x${Math.round(box.height)} px`);
    }
    if (element.matches('input:not([type=file]), select') && parseFloat(style.fontSize) < minimumFieldText) {
      problems.push(`${name(element)} has ${style.fontSize} text`);
    }
  }
  // More than a pixel of overlap each way: one control drawn over another (not one inside another).
  // Line by line: a link in a sentence that wraps is two boxes, not the rectangle around both.
  const overlap = (box, otherBox) =>
    Math.min(box.right, otherBox.right) - Math.max(box.left, otherBox.left) > 1
    && Math.min(box.bottom, otherBox.bottom) - Math.max(box.top, otherBox.top) > 1;
  shown.forEach(([element], index) => {
    for (const [other] of shown.slice(index + 1)) {
      if (element.contains(other) || other.contains(element)) continue;
      const lines = Array.from(element.getClientRects());
      if (Array.from(other.getClientRects()).some((box) => lines.some((line) => overlap(line, box)))) {
        problems.push(`${name(element)} overlaps ${name(other)}`);
      }
    }
  });
  for (const link of document.querySelectorAll('a[href*="#"]')) {
    const target = new URL(link.href);
    if (target.pathname === location.pathname && !document.getElementById(target.hash.slice(1))) {
      problems.push(`link to ${link.getAttribute('href')} has nowhere to land`);
    }
  }
  return problems;
}"""


@pytest.fixture
def long_history(shop):  # noqa: F811
    """More purchases than one page of the account's history holds, so that it has page links."""
    article = ArticleFactory(prod_name="Basic sock")
    PurchaseFactory.create_batch(48, customer=shop, article=article, t_dat=LAST_DAY - dt.timedelta(days=3))
    return shop


HEADER_ROWS = """() => {
  const header = document.querySelector('.header-bar');
  if (!header) return 0;
  const middles = Array.from(header.querySelectorAll('a, button, input:not([type=hidden])'))
    .map((control) => control.getBoundingClientRect()).filter((box) => box.height > 1)
    .map((box) => box.top + box.height / 2);
  // Controls whose middles lie within 8 px of the row's first one share its row.
  let rows = 0, rowStart = -Infinity;
  for (const middle of middles.sort((a, b) => a - b)) {
    if (middle - rowStart > 8) { rows += 1; rowStart = middle; }
  }
  return rows;
}"""


@pytest.fixture
def served_error_pages(page):
    """/busy/ and /broken/ answer with the shop's 503 and 500 pages, as its middleware and handler500
    send them (a lock waited for too long, an exception: neither can be caused from a browser)."""

    def answer(template: str, status: int):
        body = render_to_string(template, {"message": "An import is running. Please try again."})
        headers = {"Content-Type": "text/html; charset=utf-8", HEADER: POLICY}
        return lambda route: route.fulfill(status=status, body=body, headers=headers)

    page.route("**/busy/", answer("503.html", 503))
    page.route("**/broken/", answer("500.html", 500))
    return page


def problems_here(page, where: str) -> list[str]:
    page.wait_for_load_state()  # a form's answer: its stylesheet, not only its elements
    found = page.evaluate(PROBLEMS, [MIN_TARGET_PX, MIN_FIELD_TEXT_PX])
    rows = page.evaluate(HEADER_ROWS)
    if rows > 2:
        found.append(f"the header takes {rows} rows")
    return [f"{where}: {problem}" for problem in found]


def problems_on(page, urls):
    found = []
    for url in urls:
        page.goto(url)
        found += problems_here(page, url)
    return found


def problems_at_each_width(page, urls=None):
    """On each of `urls`, or on the page as it is (a form sent back with errors) when None."""
    found = []
    for width in PHONE_WIDTHS:
        page.set_viewport_size({**NARROW_PHONE, "width": width})
        problems = problems_here(page, page.url) if urls is None else problems_on(page, urls)
        found += [f"{width} px, {problem}" for problem in problems]
    return found


def login_refusals(page, check) -> list[str]:
    """What `check(page)` finds on the login's two refusals: the 403 page of a form sent without
    its CSRF cookie, and the form sent back with its error summary."""
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("csrf-failure").wait_for()  # 403
    found = check(page)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").wait_for()  # the error summary
    return found + check(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_phones_pages_fit_targets_are_big_enough_and_apart_and_in_page_links_land(
    served_error_pages, long_history, scheme
):
    page = served_error_pages
    page.emulate_media(color_scheme=scheme)
    found = problems_at_each_width(page, ANONYMOUS_PAGES)
    found += login_refusals(page, problems_at_each_width)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/")
    found += problems_at_each_width(page, SHOPPER_PAGES)
    assert not found, "\n".join(found)
