"""Browser tests drive the system's Chromium through Playwright against a live web process."""

import os

import pytest

from tests.live_processes import artifacts_root, shared_artifacts_root, start_web  # noqa: F401
from tests.recommendations.conftest import dummy_kind_registered, fresh_serving_state  # noqa: F401

CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# around it are still synchronous, one at a time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-packages` (installs Debian's chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()
