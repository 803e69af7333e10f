"""Every hostile upload is refused with a message a person understands; good photos come out clean."""

import io

import pytest
from PIL import Image, ImageChops, ImageOps

from recommendations.uploads import MODEL_MAX_SIDE, UploadRejected, validate_photo
from storefront.photo_checks import MAX_JPEG_SCANS, MAX_UPLOAD_PIXELS
from tests.recommendations.hostile_files import (
    SCRIPT_NAMED_JPG,
    SVG_NAMED_JPG,
    animated,
    cut_short_and_closed,
    encoded,
    jpeg_photo,
    jpeg_with_orientation,
    jpeg_with_scans,
    png_header_only,
    png_with_short_data,
    red_corners,
    sixteen_bit_grey_png,
    turned_photo,
)
from tests.recommendations.photos import garment_photo


def rejected(data: bytes) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        validate_photo(data)
    return caught.value


def test_a_jpeg_png_or_webp_photo_comes_out_as_a_small_clean_rgb_jpeg():
    for data in (
        jpeg_photo(),
        encoded(garment_photo(1, "Blue"), "PNG"),
        encoded(garment_photo(1, "Blue"), "WEBP"),
    ):
        image = validate_photo(data)
        assert image.mode == "RGB"
        assert image.format == "JPEG"


def test_a_large_photo_is_downscaled_before_the_model_sees_it():
    image = validate_photo(jpeg_photo(size=(3000, 4000)))
    assert max(image.size) == MODEL_MAX_SIDE
    assert image.size[0] < image.size[1]


def test_exif_orientation_turns_the_photo_upright():
    # Orientation 6: the camera was turned; the upright photo is taller than wide.
    assert validate_photo(jpeg_with_orientation(6)).size == (100, 200)
    assert validate_photo(jpeg_with_orientation(1)).size == (200, 100)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("size", [(200, 100), (3000, 1500)], ids=["small", "shrunk-before-turning"])
# A phone's JPEG is decoded at a reduced scale (draft) before it is turned; a PNG is not.
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_every_exif_orientation_turns_the_photo_as_pillow_does(orientation, size, fmt):
    data = turned_photo(orientation, size, fmt)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))

    clean = validate_photo(data)

    assert (clean.width > clean.height) == (expected.width > expected.height)
    assert red_corners(clean) == red_corners(expected) and sum(red_corners(clean)) == 1


@pytest.mark.parametrize("mode", ["1", "L", "P", "I;16", "RGB", "RGBA", "LA"])
def test_a_large_image_of_any_mode_comes_out_small_and_rgb(mode):
    image = Image.new("RGB", (3000, 2000), (30, 30, 200)).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        image = image.convert("I").point(lambda value: value * 256).convert("I;16")
    clean = validate_photo(encoded(image, "PNG"))
    assert clean.mode == "RGB" and clean.width == MODEL_MAX_SIDE and abs(clean.height - 427) <= 1


def test_a_jpeg_carrying_further_images_is_read_as_its_first_image():
    """Phones store HDR gain maps and depth maps as extra images in the JPEG (the MPO layout)."""
    photo, gain_map = Image.new("RGB", (120, 160), (200, 30, 30)), Image.new("L", (60, 80), 128)
    data = encoded(photo, "MPO", save_all=True, append_images=[gain_map])
    assert Image.open(io.BytesIO(data)).n_frames == 2

    clean = validate_photo(data)

    assert clean.size == (120, 160) and clean.getpixel((60, 80))[0] > 150


def test_a_16_bit_grey_photo_keeps_its_greys():
    """Pillow's own conversion to 8 bits reads every value over 255 as white."""
    clean = validate_photo(sixteen_bit_grey_png(32_000))
    assert all(abs(value - 32_000 // 256) <= 2 for value in clean.getpixel((75, 50)))


def test_transparency_becomes_a_white_background():
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    clean = validate_photo(encoded(image, "PNG"))
    assert clean.getpixel((10, 10))[0] > 240


@pytest.mark.parametrize(("mode", "hidden", "garment"), [("RGB", (0, 0, 0), (230, 40, 40)), ("L", 0, 230)])
def test_a_large_cut_out_with_one_transparent_colour_is_shrunk_without_a_dark_fringe(mode, hidden, garment):
    """A PNG as optipng stores a hard-edged cut-out: the black under the background marked
    transparent (tRNS). Shrunk before it was flattened, the blocks across the garment's edge
    averaged the garment with that black: a dark outline round it."""
    side = 4 * MODEL_MAX_SIDE + 7  # shrunk by blocks of 2 x 2 pixels, then resized
    # Odd edges, off the blocks' grid, so that blocks straddle them.
    garment_box = (side // 4 | 1, side // 4 | 1, 3 * side // 4 | 1, 3 * side // 4 | 1)
    cut_out = Image.new(mode, (side, side), hidden)
    cut_out.paste(garment, garment_box)
    on_white = Image.new(mode, (side, side), "white")
    on_white.paste(garment, garment_box)

    clean = validate_photo(encoded(cut_out, "PNG", transparency=hidden))
    expected = validate_photo(encoded(on_white, "PNG"))

    # As the same garment photographed on white (edges the final resize rings a little included).
    difference = ImageChops.difference(clean.convert("L"), expected.convert("L"))
    assert difference.getextrema()[1] <= 2
    assert min(clean.getpixel((5, 5))) >= 250


def test_an_empty_file_is_refused():
    error = rejected(b"")
    assert error.status == 400 and "empty" in error.message


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 1000
    error = rejected(jpeg_photo(size=(400, 400)))
    assert error.status == 413 and "too large" in error.message


def test_text_is_not_a_photo():
    error = rejected(b"hello, this is not a photo at all")
    assert error.status == 415 and "JPEG, PNG or WebP" in error.message


def test_a_script_named_jpg_is_refused():
    assert rejected(SCRIPT_NAMED_JPG).status == 415


def test_an_svg_named_jpg_is_refused_by_name():
    error = rejected(SVG_NAMED_JPG)
    assert error.status == 415 and "SVG files are not accepted" in error.message


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_formats_outside_the_allow_list_are_refused_by_name(fmt):
    error = rejected(encoded(garment_photo(0, "Red"), fmt))
    assert error.status == 415 and f"{fmt} files are not accepted" in error.message


@pytest.mark.parametrize("fmt", ["PCX", "TGA", "ICO"])
def test_other_formats_pillow_could_decode_are_never_decoded(fmt):
    # Only the three allowed decoders are ever tried, whatever else Pillow knows.
    error = rejected(encoded(garment_photo(0, "Red").resize((32, 32)), fmt))
    assert error.status == 415


def test_a_truncated_photo_is_refused():
    data = jpeg_photo(size=(400, 400))
    error = rejected(data[: len(data) // 2])
    assert error.status == 400 and "damaged or incomplete" in error.message


@pytest.mark.parametrize("size", [(300, 200), (5, 3)])
@pytest.mark.parametrize("interlaced", [False, True], ids=["plain", "interlaced"])
def test_a_complete_png_built_by_hand_is_a_photo(size, interlaced):
    # The control for the test below: the hand-built file is valid when none of it is left out.
    assert validate_photo(png_with_short_data(*size, interlaced=interlaced)).size == size


def test_a_png_whose_pixel_data_stops_short_of_its_rows_is_refused():
    # The zlib stream ends cleanly after 150 rows; Pillow alone decodes it, the rest black.
    error = rejected(png_with_short_data(300, 200, share=0.75))
    assert error.status == 400
    assert "stops after 150 of its 200 rows" in error.message and "damaged or incomplete" in error.message


def test_an_interlaced_png_missing_part_of_its_pixel_data_is_refused():
    error = rejected(png_with_short_data(300, 200, interlaced=True, share=0.9))
    assert error.status == 400 and "missing part of its pixel data" in error.message


def test_a_truncated_jpeg_is_refused_at_every_decoding_scale():
    # Small photos decode at full scale; large ones at a reduced one (draft mode).
    for size in ((400, 300), (4000, 3000)):
        data = jpeg_photo(size=size)
        error = rejected(data[: len(data) * 2 // 3])
        assert error.status == 400 and "damaged or incomplete" in error.message


@pytest.mark.parametrize("size", [(400, 300), (4000, 3000)], ids=["full scale", "drafted"])
@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_a_jpeg_cut_short_and_closed_again_is_refused_as_incomplete(size, progressive):
    """It decoded without an error, grey from the cut on, and was searched. A progressive file is
    cut in its first scan here: cut later, it is the whole photo with less detail."""
    photo = Image.effect_noise(size, 30).convert("RGB")  # a camera's grain: nothing of it is grey
    data = encoded(photo, "JPEG", quality=90, progressive=progressive)
    cut = cut_short_and_closed(data, 0.02 if progressive else 0.6)
    Image.open(io.BytesIO(cut)).load()  # what Pillow alone makes of it: no error

    error = rejected(cut)

    assert error.status == 400 and "That photo is incomplete" in error.message


def test_a_photo_with_more_pixels_than_the_cap_is_refused_before_decoding():
    side = int(MAX_UPLOAD_PIXELS**0.5) + 100
    error = rejected(png_header_only(side, side))
    assert error.status == 413 and "megapixels" in error.message


def test_a_decompression_bomb_is_refused():
    # 400 megapixels: past Pillow's own bomb limit, declared in a file of a few hundred bytes.
    data = png_header_only(20_000, 20_000)
    assert len(data) < 1000
    error = rejected(data)
    assert error.status == 413


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_refused(fmt):
    error = rejected(animated(fmt))
    assert error.status == 400 and "Animated" in error.message


def test_a_jpeg_of_thousands_of_scans_is_refused_before_decoding():
    error = rejected(jpeg_with_scans(5_000))
    assert error.status == 400 and "5,010 scans" in error.message and str(MAX_JPEG_SCANS) in error.message


def test_a_progressive_jpeg_of_more_scans_than_encoders_write_is_still_a_photo():
    assert validate_photo(jpeg_with_scans(MAX_JPEG_SCANS - 20)).format == "JPEG"
