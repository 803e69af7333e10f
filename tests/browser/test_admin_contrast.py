"""The admin's training runs and model versions lists read at 4.5:1 or more (WCAG 1.4.3) in its light
and dark themes, on plain, shaded and ticked rows: the active version's "v1 (active)", the runs'
status words, and the MAP@12 chart's labels."""

import pytest
from django.test import Client

from recommendations.models import ModelVersion, TrainingRun
from tests.browser.conftest import DESKTOP, policy_refusals
from tests.browser.contrast import NORMAL_TEXT, contrast
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

METRICS = {"map12_blend": 0.21, "map12_als": 0.18, "map12_buy_again": 0.15, "map12_trending": 0.05}


# (the system's colour scheme, the admin's theme button's choice or None for "auto")
THEMES = [("light", None), ("dark", None), ("light", "dark")]


@pytest.fixture
def staff_page(browser, live_server, request):
    """A superuser's page in the colour scheme and theme the test is parametrised with."""
    scheme, chosen = request.param
    client = Client()
    client.force_login(UserFactory(username="olga_ops", is_staff=True, is_superuser=True))
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, color_scheme=scheme)
    request.addfinalizer(context.close)  # also when the set-up below fails
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    if chosen:
        # What the admin's theme button stores (admin/js/theme.js reads it before drawing).
        context.add_init_script(f"localStorage.setItem('theme', '{chosen}')")
    refusals = policy_refusals(context)
    yield context.new_page()
    assert not refusals, "\n".join(refusals)


@pytest.fixture
def versions():
    """Three collaborative runs, each with its version; the middle one (a shaded row) is active."""
    for number in (1, 2, 3):
        run = TrainingRun.objects.create(
            kind="collaborative", status="succeeded", progress=100, metrics=METRICS
        )
        ModelVersion.objects.create(
            kind="collaborative",
            version=number,
            path=f"v{number}",
            format_version=1,
            run=run,
            is_active=number == 2,
        )


def too_faint(page, selector):
    """Every element of `selector` (ticking each row in turn, so ticked rows are measured too) that
    reads under 4.5:1."""
    faint = []
    rows = page.locator("#result_list tbody tr")
    for ticked in [None, *range(rows.count())]:
        if ticked is not None:
            rows.nth(ticked).locator("input.action-select").check()
        faint += [
            found for found in map(contrast, page.locator(selector).all()) if found["ratio"] < NORMAL_TEXT
        ]
        if ticked is not None:
            rows.nth(ticked).locator("input.action-select").uncheck()
    return faint


@pytest.mark.parametrize("staff_page", THEMES, indirect=True, ids=["light", "dark", "dark-by-button"])
def test_the_training_run_and_model_version_lists_read_in_every_theme(staff_page, versions):
    staff_page.goto("/admin/recommendations/trainingrun/")
    assert staff_page.locator("td.field-version", has_text="v2 (active)").count() == 1

    assert too_faint(staff_page, "td.field-version a, td.field-version, .training-status") == []
    chart_text = [contrast(label) for label in staff_page.locator(".map12-chart svg text").all()]
    assert chart_text
    assert [found for found in chart_text if found["ratio"] < NORMAL_TEXT] == []

    staff_page.goto("/admin/recommendations/modelversion/")
    assert staff_page.get_by_role("link", name="collaborative v2").count() == 1
    assert too_faint(staff_page, "#result_list tbody a") == []
