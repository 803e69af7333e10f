"""The shop's representative pages on the narrowest phones (320 px), in the light and the dark
colour scheme: nothing is wider than the screen, every control is at least 24 px each way (WCAG
2.5.8; a link inside a sentence is exempt), and every in-page link (#…) has a place to land."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_shopping_flow import LAST_DAY, shop  # noqa: F401  (fixture)
from tests.factories import ArticleFactory, PurchaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW_PHONE = {"width": 320, "height": 640}
MIN_TARGET_PX = 24  # WCAG 2.5.8, target size (minimum)
ANONYMOUS_PAGES = [
    "/",
    "/c/ladieswear/",
    "/p/strap-top-red-0108775015/",
    "/search/",
    "/search/?q=strap+top",
    "/search/?q=nothing+like+this",
    "/shop-the-look/",
    "/accounts/login/",
    "/accounts/signup/",
    "/no-such-page/",
]
SHOPPER_PAGES = ["/", "/accounts/", "/accounts/password/", "/accounts/delete/"]

PROBLEMS = """minimum => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth} px wide`);
  }
  const controls = 'a[href], button, summary, select, input:not([type=hidden]), label.button';
  for (const element of document.querySelectorAll(controls)) {
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || element.closest('.visually-hidden, .skip-link')) continue;
    const style = getComputedStyle(element);
    if (style.opacity === '0' || style.visibility === 'hidden') continue;
    const parent = element.parentElement;
    const inSentence = style.display === 'inline'
      && parent.textContent.trim().length > element.textContent.trim().length;
    if (!inSentence && (box.width < minimum || box.height < minimum)) {
      const name = (element.textContent || element.value || element.name || '').trim().slice(0, 30);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      problems.push(`${element.tagName.toLowerCase()} "${name}" is ${size} px`);
    }
  }
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


def problems_on(page, urls):
    found = []
    for url in urls:
        page.goto(url)
        found += [f"{url}: {problem}" for problem in page.evaluate(PROBLEMS, MIN_TARGET_PX)]
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_the_narrowest_phone_pages_fit_targets_are_big_enough_and_in_page_links_land(
    page, long_history, scheme
):
    page.set_viewport_size(NARROW_PHONE)
    page.emulate_media(color_scheme=scheme)
    found = problems_on(page, ANONYMOUS_PAGES)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/")
    found += problems_on(page, SHOPPER_PAGES)
    assert not found, "\n".join(found)
