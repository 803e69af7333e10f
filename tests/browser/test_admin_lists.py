"""The admin's model lists on a laptop and a phone: what staff come for is on screen without
scrolling the table sideways, and the MAP@12 chart is drawn at a size that can be read."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_admin_contrast import staff_page, versions  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}

SHOWN_IN_TABLE = """element => {
  const table = element.closest('.results').getBoundingClientRect();
  const box = element.getBoundingClientRect();
  return box.left >= table.left && box.right <= table.right;
}"""


@pytest.mark.parametrize("staff_page", [("light", None)], indirect=True, ids=["light"])
def test_on_a_laptop_the_rollback_button_and_each_runs_version_need_no_sideways_scroll(
    staff_page,  # noqa: F811
    versions,  # noqa: F811
):
    staff_page.set_viewport_size(LAPTOP)
    staff_page.goto("/admin/recommendations/modelversion/")
    rollback = staff_page.get_by_role("link", name="Activate v3")
    assert rollback.evaluate(SHOWN_IN_TABLE)

    staff_page.goto("/admin/recommendations/trainingrun/")
    version = staff_page.locator("td.field-version", has_text="v2 (active)")
    assert version.evaluate(SHOWN_IN_TABLE)


@pytest.mark.parametrize("staff_page", [("dark", None)], indirect=True, ids=["dark"])
def test_on_a_phone_the_chart_keeps_its_size_and_scrolls_within_itself(staff_page, versions):  # noqa: F811
    staff_page.set_viewport_size(PHONE)
    staff_page.goto("/admin/recommendations/trainingrun/")
    chart = staff_page.locator(".map12-chart svg")
    drawn, designed = chart.evaluate("svg => [svg.getBoundingClientRect().width, svg.viewBox.baseVal.width]")
    assert drawn == designed
    assert staff_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
