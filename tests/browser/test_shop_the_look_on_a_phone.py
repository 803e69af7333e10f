"""On the narrowest phones, "Shop the look" shows the photo searched with, small, above its results;
on every phone width, in both colour schemes, its results page passes the small-screen and contrast
checks that the other pages pass (tests/browser/test_small_screens.py, test_contrast.py).

A module of its own: the trained catalogue is made once per module, and a transactional browser
test empties the database after it, so only a module's first such test finds the articles."""

import pytest

from tests.browser.test_contrast import unreadable
from tests.browser.test_small_screens import problems_at_each_width
from tests.recommendations.content.conftest import trained, trained_content  # noqa: F401  (fixtures)
from tests.recommendations.hostile_files import encoded
from tests.recommendations.photos import garment_photo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("trained"),
]


def test_on_phones_the_results_show_the_photo_searched_with_and_fit_in_both_schemes(page, tmp_path):
    page.set_viewport_size({"width": 320, "height": 640})
    photo = tmp_path / "bag.jpg"
    photo.write_bytes(encoded(garment_photo(8, "Blue", variant=30), "JPEG", quality=90))
    page.goto("/shop-the-look/")
    page.set_input_files("#look-photo", str(photo))
    page.get_by_role("button", name="Find similar pieces").click()

    shown = page.get_by_test_id("look-query").get_by_role("img", name="The photo you searched with")
    shown.wait_for()
    page.steps.shot("results-on-a-phone")
    # Drawn from the page itself (the Content-Security-Policy check is the page fixture's).
    assert shown.evaluate("img => img.complete && img.naturalWidth") > 0
    box = shown.bounding_box()
    assert 0 < box["width"] <= 128 and box["x"] >= 0 and box["x"] + box["width"] <= 320
    # Small enough that the results start within half a screen of it, and nothing scrolls sideways.
    first_card = page.locator("[data-testid=look-results] .card").first.bounding_box()
    assert first_card["y"] - box["y"] < 640 / 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    found = []
    for scheme in ["light", "dark"]:
        page.emulate_media(color_scheme=scheme)
        found += problems_at_each_width(page) + unreadable(page)
    assert not found, "\n".join(found)
