"""The browser tests' own fixtures: one Chromium serves the package, so losing it must say so."""

from __future__ import annotations

import pytest

from tests.browser.conftest import chromium, desktop_page

pytestmark = pytest.mark.browser


def test_a_page_from_a_chromium_that_is_gone_fails_saying_so(request, playwright):
    """After a crash each later browser test failed on a closed connection, far from the cause."""
    launched = chromium(playwright)
    browser = next(launched)
    next(launched, None)  # closes it, as a crash would leave it
    with pytest.raises(pytest.fail.Exception, match="Chromium is no longer running"):
        desktop_page(request, browser, "http://127.0.0.1:8120")
