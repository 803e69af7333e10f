"""A shopper presses "Find" again while the photo uploads: the photo is sent once, and the button
says it is working until the page answers; and it works again when the page refuses the photo
itself, or when the shopper comes back to the page with the browser's Back button.

The page's search is held on the server (an event the test sets) so that the page is still
waiting when the second press comes; no model is needed, the page answers whatever it answers.
While a form's navigation is pending Playwright's locators wait for it to finish, so the presses
are raw mouse and keyboard input, and the page reports the button's state on the console.
"""

import json
import threading

import numpy as np
import pytest
from PIL import Image

from recommendations import views
from tests.browser.conftest import chromium
from tests.recommendations.hostile_files import encoded, jpeg_photo

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
FIND = {"disabled": False, "busy": None, "text": "Find similar pieces"}
BUTTON_STATE = """button => ({disabled: button.disabled, busy: button.getAttribute("aria-busy"),
  text: button.textContent})"""
RECORD_PAGESHOWS = """
window.pageshows = [];
window.addEventListener("pageshow", function (event) { window.pageshows.push(event.persisted); });
"""
# Over the limit, and no photo: the browser finds that out only once it tries to decode it.
NOT_A_PHOTO_BYTES = 3 * 1024 * 1024
CHOOSE_AND_FIND_AT_ONCE = """(input, size) => {
  var bytes = new Uint8Array(size);
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);  // a JPEG's start, then nothing
  var transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "holiday.jpg", {type: "image/jpeg"}));
  input.files = transfer.files;
  input.dispatchEvent(new Event("change"));
  input.form.requestSubmit(input.form.querySelector("[data-submit]"));
}"""


@pytest.fixture(scope="module")
def browser(playwright):
    """With the back/forward cache a shopper's Chromium has, which Playwright turns off."""
    yield from chromium(playwright, ignore_default_args=["--disable-back-forward-cache"])


def button_state(page):
    return page.eval_on_selector("[data-submit]", BUTTON_STATE)


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


def test_a_photo_still_too_large_once_redrawn_gives_the_button_back(page, tmp_path, settings):
    settings.MAX_UPLOAD_BYTES = 100 * 1024
    grain = np.random.default_rng(0).integers(0, 256, (900, 1200, 3), dtype=np.uint8)  # no JPEG shrinks it
    photo = tmp_path / "grain.jpg"
    photo.write_bytes(encoded(Image.fromarray(grain), "JPEG", quality=95))
    page.goto("/shop-the-look/")
    page.set_input_files("#look-photo", str(photo))
    page.locator("[data-crop-stage]").wait_for(state="visible")
    page.get_by_role("button", name="Find similar pieces").click()
    assert page.locator("[data-client-error]").inner_text().startswith("That photo is too large")
    assert button_state(page) == FIND


def test_a_file_found_to_be_no_photo_after_find_gives_the_button_back(page, settings):
    # Chosen and sent in one go: the page learns it is no photo while it is already "Finding…".
    settings.MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    page.goto("/shop-the-look/")
    page.eval_on_selector("#look-photo", CHOOSE_AND_FIND_AT_ONCE, NOT_A_PHOTO_BYTES)
    assert page.locator("[data-client-error]").inner_text().startswith("That photo is too large")
    assert button_state(page) == FIND


def test_back_to_the_page_left_while_finding_finds_the_button_working_again(page, tmp_path, held_searches):
    """The shopper goes elsewhere while the photo uploads and comes back with Back: the browser
    shows the page as it was left, "Finding…", from its back/forward cache. (Back from the results
    reloads the page in Chromium: they were posted to the page's own address, which it does not
    keep in that cache.)"""
    started, _ = held_searches
    page.add_init_script(RECORD_PAGESHOWS)
    photo = tmp_path / "outfit.jpg"
    photo.write_bytes(jpeg_photo())
    page.goto("/shop-the-look/")
    page.set_input_files("#look-photo", str(photo))
    box = page.locator("[data-submit]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    while not started:
        page.wait_for_timeout(POLL_MS)
    page.goto("/")
    page.go_back(wait_until="commit")  # a page from that cache fires no "load" to wait for
    # Restored as it was left, not loaded afresh: else the button's state would prove nothing.
    # A function, not an expression: polling an expression is an eval, which the shop's policy
    # refuses, so a restore whose pageshow came after the commit failed instead of being waited for.
    page.wait_for_function("() => window.pageshows.includes(true)")
    assert button_state(page) == FIND
