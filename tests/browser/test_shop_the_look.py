"""A shopper uploads a photo on "Shop the look", frames the garment, and sees similar articles."""

import pytest

from tests.recommendations.content.conftest import trained, trained_content  # noqa: F401  (fixtures)
from tests.recommendations.hostile_files import encoded
from tests.recommendations.photos import garment_photo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("trained"),
]


def test_a_shopper_uploads_a_photo_crops_it_and_sees_similar_articles(page, tmp_path):
    photo = tmp_path / "holiday.jpg"
    # A bag in the middle of a wider snapshot: the shopper frames just the bag.
    snapshot = garment_photo(8, "Blue", variant=30).resize((300, 300))
    canvas = garment_photo(0, "Black").resize((600, 400))
    canvas.paste(snapshot, (150, 50))
    photo.write_bytes(encoded(canvas, "JPEG", quality=90))

    page.goto("/shop-the-look/")
    page.steps.shot("empty-form")
    page.set_input_files("#look-photo", str(photo))
    stage = page.locator("[data-crop-stage]")
    stage.wait_for(state="visible")
    # The preview appears where a screen reader is not: a status line says what happened.
    status = page.locator("[role=status][data-photo-status]")
    assert "holiday.jpg" in status.inner_text() and "frame" in status.inner_text()
    box = stage.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.125)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.875, steps=5)
    page.mouse.up()
    assert page.locator("[data-crop-box]").is_visible()
    page.steps.shot("cropped")

    page.get_by_role("button", name="Find similar pieces").click()
    results = page.locator("[data-testid=look-results] .card")
    results.first.wait_for()
    page.steps.shot("results")
    assert results.count() >= 3
    assert "Similar to your photo" in page.locator("[data-testid=look-results]").inner_text()
    # The new page starts at its results, named by their heading, not at the top and the form again.
    assert page.evaluate("document.activeElement.id") == "look-results"
    assert page.locator("#look-results").get_attribute("aria-labelledby") == "look-results-title"


def test_a_file_that_is_not_a_photo_gets_a_message(page, tmp_path):
    fake = tmp_path / "invoice.jpg"
    fake.write_bytes(b"%PDF-1.4 not a photo")
    page.goto("/shop-the-look/")
    page.set_input_files("#look-photo", str(fake))
    page.get_by_role("button", name="Find similar pieces").click()
    alert = page.locator("[data-testid=upload-error]")
    alert.wait_for()
    assert "PDF files are not accepted" in alert.inner_text()
    assert page.title().startswith("Error: ")  # the first thing a screen reader says of the page
    # The keyboard starts at the message, and each photo button's field points at it.
    assert page.evaluate("document.activeElement.dataset.testid") == "upload-error"
    for field in ("#look-photo", "#look-camera"):
        described = page.locator(field).get_attribute("aria-describedby")
        assert "PDF files are not accepted" in page.locator(f"#{described}").inner_text()


def test_a_file_the_page_recognises_as_no_photo_is_taken_out_of_the_form(page, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    photo = tmp_path / "look.jpg"
    photo.write_bytes(encoded(garment_photo(8, "Blue"), "JPEG"))
    page.goto("/shop-the-look/")
    page.set_input_files("#look-photo", str(photo))
    page.set_input_files("#look-photo", str(notes))
    assert "Please choose a JPEG, PNG or WebP photo" in page.locator("[data-client-error]").inner_text()
    # The photo chosen before is gone too: the status line no longer says it is ready.
    assert page.locator("[data-photo-status]").inner_text() == ""
    assert page.eval_on_selector("#look-photo", "input => input.files.length") == 0
