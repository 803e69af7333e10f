"""The training run list's progress bar moves while a run goes, without reloading the page, and
says when the run has finished; a run's own page follows it as the list does."""

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from recommendations.models import TrainingRun
from tests.browser.conftest import policy_refusals
from tests.factories import StaffUserFactory
from tests.live_processes import HttpSession

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("dummy_kind_registered")]


def test_the_progress_bar_follows_a_running_run_and_the_page_shows_the_result(request, browser, start_web):
    staff = StaffUserFactory(username="olga_ops")
    client = Client()
    client.force_login(staff)
    # No broker: the web process runs the job in a thread, as in the demo.
    web = start_web(REDIS_URL="")
    context = browser.new_context()
    request.addfinalizer(context.close)  # also when the test fails: its page polls a stopped server
    refusals = policy_refusals(context)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": web.base_url}]
    )
    page = context.new_page()
    api = HttpSession(web.base_url, token=Token.objects.create(user=staff).key)

    response = api.request(
        "POST", "/api/v1/training-runs/", json_body={"kind": "test-dummy", "parameters": {"sleep": 6}}
    )
    assert response.status == 202, response.text
    run_id = response.json()["id"]
    page.goto(f"{web.base_url}/admin/recommendations/trainingrun/")
    bar = page.locator(f'.training-progress[data-run-id="{run_id}"]')
    first = bar.locator(".training-progress-label").inner_text()
    # Screen readers hear a progress bar, named after its run, whose value moves with it.
    progress = page.get_by_role("progressbar", name=f"Run #{run_id} progress")
    assert progress.get_attribute("aria-valuenow") == first.removesuffix("%")

    # Later readings differ from the first one while the page was never reloaded by hand.
    page.wait_for_function(
        "([selector, first]) => document.querySelector(selector).textContent.trim() !== first",
        arg=[f'.training-progress[data-run-id="{run_id}"] .training-progress-label', first],
        timeout=10_000,
    )
    assert TrainingRun.objects.get(pk=run_id).status == "running"

    # When the run ends the page says so without reloading itself (that took the staff member's
    # focus and ticks away); its Reload button shows the version the run produced.
    page.wait_for_selector(
        f'.training-progress[data-run-id="{run_id}"][data-status="succeeded"]', timeout=20_000
    )
    assert progress.get_attribute("aria-valuenow") == "100"
    finished = page.locator("#training-finished[aria-live=polite]")
    assert finished.inner_text().startswith(f"Run #{run_id} finished")
    assert page.locator("text=(active)").count() == 0
    finished.get_by_role("button", name="Reload").click()
    page.wait_for_selector("text=(active)", timeout=10_000)
    assert page.locator(
        f'tr:has(.training-progress[data-run-id="{run_id}"]) .training-status'
    ).inner_text() == ("succeeded")
    assert not refusals, "\n".join(refusals)


def test_a_runs_own_page_shows_what_the_polls_say_in_its_bar_status_and_message(
    request, browser, start_web
):
    staff = StaffUserFactory(username="olga_ops")
    client = Client()
    client.force_login(staff)
    web = start_web()
    context = browser.new_context()
    request.addfinalizer(context.close)  # also when the test fails: its page polls a stopped server
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": web.base_url}]
    )
    page = context.new_page()
    run = TrainingRun.objects.create(
        kind="test-dummy", status="queued", message="Waiting for a worker", heartbeat_at=timezone.now()
    )
    page.goto(f"{web.base_url}/admin/recommendations/trainingrun/{run.pk}/change/")
    message = page.locator(".field-message_display .readonly")
    assert message.inner_text() == "Waiting for a worker"

    # A worker takes it (as training_run_start and the heartbeat write it), while the page is open.
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running", progress=40.0, message="Sleeping", heartbeat_at=timezone.now(), steps_running=1
    )
    selector = f'.training-progress[data-run-id="{run.pk}"]'
    page.wait_for_selector(f'{selector}[data-status="running"]', timeout=10_000)
    bar = page.locator(selector)
    assert bar.get_attribute("title") == "Sleeping"
    assert message.inner_text() == "Sleeping"
    assert page.locator(".field-status_badge .training-status").inner_text() == "running"
