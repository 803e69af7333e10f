import numpy as np
import pytest
from PIL import Image, ImageDraw

from recommendations.encoders import framing
from recommendations.encoders.bundled import BundledEncoder
from recommendations.encoders.clip import ClipEncoder
from recommendations.encoders.framing import ANALYSIS_SIDE, frame_like_catalogue, garment_box
from recommendations.encoders.image_preprocessing import square_rgb
from tests.recommendations.photos import garment_photo

STUDIO = (242, 241, 238)
WALL = (205, 214, 226)
NAVY = (30, 42, 84)
# The garment is found on a copy ANALYSIS_SIDE pixels a side: a 640 px photo's box is right to
# within a pixel of that copy on each edge (6.7 px), two on the longer side.
WITHIN = 2 * 640 / ANALYSIS_SIDE


def _shopper_photo(size=(480, 640), box=(300, 80, 400, 230), background=WALL, colour=NAVY) -> Image.Image:
    photo = Image.new("RGB", size, background)
    ImageDraw.Draw(photo).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
    return photo


def _assert_box_near(found, expected, within=WITHIN):
    assert found is not None
    assert np.abs(np.array(found) - np.array(expected)).max() <= within, (found, expected)


def test_it_finds_a_garment_off_centre_on_a_plain_background():
    found = garment_box(_shopper_photo())
    assert found is not None
    box, background = found
    _assert_box_near(box, (300, 80, 400, 230))
    assert background == WALL


def test_it_centres_the_garment_on_a_square_of_its_background():
    framed = frame_like_catalogue(_shopper_photo())
    assert framed.mode == "RGB"
    # The garment's longer side (150 px) fills the square, as in catalogue photos.
    assert abs(framed.width - 150) <= WITHIN and framed.width == framed.height
    box, background = garment_box(framed)
    assert background == WALL
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    assert np.allclose(centre, (framed.width / 2, framed.height / 2), atol=WITHIN / 2)


def test_it_finds_a_garment_on_a_lightly_textured_background():
    rng = np.random.default_rng(0)
    pixels = np.asarray(_shopper_photo(), dtype=np.float32)
    shading = np.linspace(-12, 12, pixels.shape[1], dtype=np.float32)[None, :, None]
    textured = pixels + shading + rng.normal(0, 5, pixels.shape).astype(np.float32)
    photo = Image.fromarray(np.clip(textured, 0, 255).astype(np.uint8))
    _assert_box_near(garment_box(photo)[0], (300, 80, 400, 230))


def test_a_centred_product_shot_is_left_as_it_is():
    for photo in (
        garment_photo(0, "Red"),
        garment_photo(1, "Blue", variant=2),
        garment_photo(8, "Black", variant=4),
        _shopper_photo(size=(160, 160), box=(30, 5, 130, 155), background=STUDIO),
    ):
        assert frame_like_catalogue(photo) is photo
        np.testing.assert_array_equal(
            np.asarray(square_rgb(photo, 160)), np.asarray(photo.resize((160, 160), Image.Resampling.BICUBIC))
        )


def test_a_photo_without_a_clear_background_is_left_as_it_is():
    rng = np.random.default_rng(1)
    noise = Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8))
    busy = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(busy)
    for _ in range(60):
        left, top = rng.integers(-40, 400), rng.integers(-40, 300)
        colour = tuple(int(value) for value in rng.integers(0, 256, 3))
        draw.rectangle((left, top, left + 90, top + 70), fill=colour)
    close_up = _shopper_photo(size=(300, 300), box=(0, 0, 300, 300))
    for photo in (noise, busy, close_up):
        assert garment_box(photo) is None
        assert frame_like_catalogue(photo) is photo


def test_a_blank_photo_is_left_as_it_is():
    blank = Image.new("RGB", (200, 120), WALL)
    assert garment_box(blank) is None
    assert frame_like_catalogue(blank) is blank


@pytest.mark.parametrize("size", [(1, 1), (3, 7), (15, 200)])
def test_tiny_photos_are_left_as_they_are(size):
    tiny = Image.new("RGB", size, NAVY)
    assert frame_like_catalogue(tiny) is tiny
    assert square_rgb(tiny, 32).size == (32, 32)


def test_a_huge_photo_is_framed_to_within_its_analysis_pixels():
    huge = _shopper_photo(size=(6000, 4000), box=(4000, 2500, 4800, 3700))
    framed = frame_like_catalogue(huge)
    # Found on a 96 px copy: each edge of the box within 2 of its 62.5 px pixels.
    assert abs(framed.width - 1200) <= 2 * 6000 / 96 and framed.width == framed.height


def test_a_garment_on_a_transparent_background_is_framed_on_white():
    cut_out = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(cut_out).rectangle((20, 30, 119, 179), fill=(*NAVY, 255))
    framed = frame_like_catalogue(cut_out)
    assert framed.mode == "RGB" and framed.size[0] == framed.size[1]
    box, background = garment_box(framed)
    assert background == (255, 255, 255)
    _assert_box_near(box, (0, 0, framed.width, framed.height), within=30)


def test_an_rgb_cut_out_with_one_transparent_colour_is_framed_and_squared_on_white():
    """As optipng stores a hard-edged cut-out: RGB, the black under the background marked
    transparent. Being RGB, it was used as it was: the garment on black."""
    cut_out = Image.new("RGB", (400, 300), (0, 0, 0))
    ImageDraw.Draw(cut_out).rectangle((20, 30, 119, 179), fill=NAVY)
    cut_out.info["transparency"] = (0, 0, 0)  # as Pillow opens such a PNG
    _box, background = garment_box(frame_like_catalogue(cut_out))
    assert background == (255, 255, 255)
    squared = square_rgb(cut_out, 64)
    assert squared.getpixel((0, 0)) == squared.getpixel((63, 63)) == (255, 255, 255)


@pytest.mark.parametrize("mode", ["L", "LA", "P", "I;16", "CMYK"])
def test_other_modes_are_framed_in_rgb(mode):
    photo = _shopper_photo().convert(mode)
    if mode == "I;16":
        # A 16-bit photo spans 0-65535 (Pillow's conversion keeps the 8-bit values as they are).
        photo = _shopper_photo().convert("I").point(lambda value: value * 256).convert("I;16")
    framed = frame_like_catalogue(photo)
    assert framed.mode == "RGB" and framed.width == framed.height
    assert abs(framed.width - 150) <= WITHIN
    assert square_rgb(photo, 64).mode == "RGB"


def test_framed_photo_features_are_cached_apart_from_unframed_ones():
    # Vectors cached before photos were framed must not be mixed with framed ones.
    assert framing.NAME in BundledEncoder.image_tower_name
    assert framing.NAME in ClipEncoder("/srv/models/clip").image_tower_name
