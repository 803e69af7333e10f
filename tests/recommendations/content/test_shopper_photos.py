import numpy as np
import pytest

from recommendations.content.shopper_photos import FRAMINGS, shopper_photo
from recommendations.encoders.framing import ANALYSIS_SIDE, garment_box
from tests.recommendations.photos import garment_photo


def test_the_same_seed_and_article_frame_a_photo_the_same_way():
    photo = garment_photo(3, "Red")
    for framing in FRAMINGS:
        first, again = shopper_photo(photo, framing, 7, 123), shopper_photo(photo, framing, 7, 123)
        np.testing.assert_array_equal(np.asarray(first), np.asarray(again))
    other_seed = shopper_photo(photo, "framed", 8, 123)
    assert other_seed.size != first.size or not np.array_equal(np.asarray(other_seed), np.asarray(first))


def test_an_off_centre_photo_shows_the_garment_smaller_somewhere_else():
    photo = garment_photo(1, "Blue")
    for article_id in range(10):
        framed = shopper_photo(photo, "framed", 0, article_id)
        assert max(framed.size) >= 1.6 * max(photo.size)
        (left, top, right, bottom), _ = garment_box(framed)
        # The garment is found where it was pasted: at most its photo's size (give or take a pixel
        # of the copy it is found on, each side), not the whole frame.
        slack = 2 * max(framed.size) / ANALYSIS_SIDE
        assert right - left <= photo.width + slack and bottom - top <= photo.height + slack


def test_a_cropped_photo_is_its_central_eighty_percent():
    photo = garment_photo(0, "Black")
    cropped = shopper_photo(photo, "cropped", 0, 1)
    assert abs(cropped.width - 0.8 * photo.width) <= 1 and abs(cropped.height - 0.8 * photo.height) <= 1
    np.testing.assert_array_equal(np.asarray(cropped)[0, 0], np.asarray(photo)[10, 10])


def test_an_unknown_framing_is_refused_by_name():
    with pytest.raises(ValueError, match="sideways"):
        shopper_photo(garment_photo(0, "Red"), "sideways", 0, 1)
