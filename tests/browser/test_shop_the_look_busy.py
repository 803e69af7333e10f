"""A shopper presses "Find" again while the photo uploads: the photo is sent once, and the button
says it is working until the page answers.

The page's search is held on the server (an event the test sets) so that the page is still
waiting when the second press comes; no model is needed, the page answers whatever it answers.
While a form's navigation is pending Playwright's locators wait for it to finish, so the presses
are raw mouse and keyboard input, and the page reports the button's state on the console.
"""

import json
import threading

import pytest

from recommendations import views
from tests.recommendations.hostile_files import jpeg_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Long enough for a second upload, which Chromium starts at once, to reach the server.
SECOND_REQUEST_WAIT_MS = 500
POLL_MS = 50
HOLD_AT_MOST_SECONDS = 30
REPORT_BUTTON_ON_SUBMIT = """
document.addEventListener("submit", function (event) {
  var button = event.target.querySelector("[data-submit]");
  setTimeout(function () {  // after every submit listener, the form's own included
    console.log("find-button " + JSON.stringify(
      {disabled: button.disabled, busy: button.getAttribute("aria-busy"), text: button.textContent}));
  });
});
"""


@pytest.fixture
def held_searches(monkeypatch):
    """Each photo search the server starts, waiting until the test lets them all through."""
    release = threading.Event()
    started = []
    search = views.search_uploaded_photo

    def held(request, filters):
        started.append(1)
        release.wait(HOLD_AT_MOST_SECONDS)
        return search(request, filters)

    monkeypatch.setattr(views, "search_uploaded_photo", held)
    yield started, release
    release.set()


@pytest.mark.parametrize("press", ["click", "enter"])
def test_a_second_press_sends_nothing_while_the_photo_uploads(page, tmp_path, held_searches, press):
    started, release = held_searches
    states = []
    page.on(
        "console",
        lambda message: (
            message.text.startswith("find-button ")
            and states.append(json.loads(message.text.removeprefix("find-button ")))
        ),
    )
    page.add_init_script(REPORT_BUTTON_ON_SUBMIT)
    photo = tmp_path / "outfit.jpg"
    photo.write_bytes(jpeg_photo())
    page.goto("/shop-the-look/")
    page.set_input_files("#look-photo", str(photo))
    button = page.locator("[data-submit]")
    box = button.bounding_box()
    button.focus()

    def press_find() -> None:
        if press == "click":
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        else:
            page.keyboard.press("Enter")

    press_find()
    while not started:
        page.wait_for_timeout(POLL_MS)
    press_find()
    page.wait_for_timeout(SECOND_REQUEST_WAIT_MS)

    assert len(started) == 1
    assert states[0] == {"disabled": True, "busy": "true", "text": "Finding…"}
    release.set()
    page.locator("[data-testid=look-query], [data-testid=upload-error]").first.wait_for()
    assert len(started) == 1
    assert page.locator("[data-submit]").is_enabled()
    assert page.locator("[data-submit]").get_attribute("aria-busy") is None
