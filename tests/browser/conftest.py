"""Real-browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

On failure every page the test visited is saved as a screenshot under test-artifacts/ (the CI
keeps that folder), plus the page as it was when the test failed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


class Steps:
    """Screenshots of each step, kept in memory and written out only when the test fails."""

    def __init__(self, page):
        self.page = page
        self.shots = []  # (step name, PNG bytes)

    def shot(self, name: str) -> None:
        self.shots.append((name, self.page.screenshot(full_page=True)))

    def save(self, test_name: str) -> None:
        folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
        folder.mkdir(parents=True, exist_ok=True)
        for number, (name, png) in enumerate(self.shots, start=1):
            (folder / f"{number:02d}-{name}.png").write_bytes(png)
        try:
            self.page.screenshot(path=str(folder / "failed-here.png"), full_page=True)
            (folder / "failed-here.html").write_text(self.page.content())
        except Exception as error:  # the page itself may be what broke
            (folder / "failed-here.txt").write_text(repr(error))


@pytest.fixture(scope="package")
def playwright():
    """Playwright's driver, started once for all the browser tests (it takes a second or two on a
    busy machine) and stopped after the last of them, so that the tests elsewhere run without its
    event loop."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (scripts/system-packages.sh)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls that the fixtures
    # and the live server's teardown make are still synchronous and safe.
    with pytest.MonkeyPatch.context() as monkeypatch, sync_playwright() as driver:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield driver
        # While the loop runs, Django keeps this thread's database connections apart (asgiref's
        # Local): one opened meanwhile (a module's fixture, set up after the first test) is closed
        # now, or it is out of reach once the loop stops and blocks the test database's removal.
        connections.close_all()


def chromium(playwright, **launch_options):
    """A Chromium of its own, to yield from a module's `browser` fixture that needs other options."""
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **launch_options
    )
    yield launched
    launched.close()


@pytest.fixture(scope="package")
def browser(playwright):
    """One Chromium for the browser tests (starting one takes seconds on a busy machine); each
    test gets its own context (cookies, storage, cache) from the `page` fixture."""
    yield from chromium(playwright)


def policy_refusals(context) -> list[str]:
    """What the Content-Security-Policy refused in the context's pages, filled as they run: Chromium
    logs each refusal (an inline script, a style, an image from elsewhere) as a console error."""
    refusals: list[str] = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            refusals.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", note)
    return refusals


def connected(browser):
    """The browser, or a clear failure when it is gone: one Chromium serves a whole package, and
    after it crashed each later test failed on a closed connection, far from the cause."""
    if not browser.is_connected():
        pytest.fail(
            "Chromium is no longer running (it crashed or was closed during an earlier browser "
            "test; see the first failure or error above)",
            pytrace=False,
        )
    return browser


def desktop_page(request, browser, base_url: str):
    """A page in a context of its own, as the `page` fixture gives one: a desktop window,
    screenshots of the steps saved when the test fails, and the pages checked against the
    shop's policy. For a test that needs it from another browser than the package's."""
    context = connected(browser).new_context(viewport=DESKTOP, base_url=base_url)
    refusals = policy_refusals(context)

    def check_refusals() -> None:
        # Every browser test also checks that the pages it used work under the shop's policy.
        assert not refusals, "\n".join(refusals)

    # Run last to first: the screenshots, then the context closed (whether or not the test
    # passed: a page left open polls its stopped server), then the policy's check.
    request.addfinalizer(check_refusals)
    request.addfinalizer(context.close)
    context.set_default_timeout(10_000)
    page = context.new_page()
    steps = Steps(page)
    page.steps = steps

    def save_steps_of_a_failed_test() -> None:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            steps.save(request.node.nodeid)

    request.addfinalizer(save_steps_of_a_failed_test)
    return page


@pytest.fixture
def page(request, browser, live_server):
    return desktop_page(request, browser, live_server.url)


# The training admin's test runs a separate gunicorn process (tests/live_processes.py) rather
# than the in-thread live server: it checks the demo's no-broker mode, where that process itself
# runs the job in a thread.
from tests.live_processes import artifacts_root, shared_artifacts_root, start_web  # noqa: E402, F401
from tests.recommendations.conftest import dummy_kind_registered, fresh_serving_state  # noqa: E402, F401
