"""Photos in the colour modes Pillow opens them in come out as the plain 8-bit RGB a shopper
would see (storefront.photo_pixels)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from storefront.photo_pixels import flattened_rgb
from tests.recommendations.hostile_files import encoded


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(("mode", "hidden", "garment"), [("RGB", (0, 0, 0), (200, 30, 30)), ("L", 0, 200)])
def test_a_cut_out_with_one_transparent_colour_is_flattened_on_white(mode, hidden, garment):
    """As optipng and oxipng store a hard-edged cut-out: no alpha channel, but a colour (here the
    black under the background) marked transparent. It came out on black."""
    cut_out = Image.new(mode, (100, 100), hidden)
    cut_out.paste(garment, (25, 25, 75, 75))
    image = reopened(encoded(cut_out, "PNG", transparency=hidden))
    assert (image.mode, image.info["transparency"]) == (mode, hidden)

    flat = flattened_rgb(image)

    assert flat.getpixel((0, 0)) == (255, 255, 255)
    assert flat.getpixel((50, 50)) == Image.new(mode, (1, 1), garment).convert("RGB").getpixel((0, 0))


@pytest.mark.parametrize("level", [100, 255])
def test_a_32_bit_grey_of_8_bit_values_keeps_them(level):
    """Mode I (32-bit integers) was divided as if 16-bit: every photo of 0-255 values came out black."""
    image = Image.fromarray(np.full((10, 10), level, np.int32))
    assert image.mode == "I"

    assert flattened_rgb(image).getpixel((5, 5)) == (level, level, level)


def test_a_32_bit_grey_of_16_bit_values_and_a_16_bit_grey_are_scaled_alike():
    sixteen_bit = reopened(encoded(Image.fromarray(np.full((10, 10), 30_000, np.uint16)), "PNG"))
    thirty_two_bit = Image.fromarray(np.full((10, 10), 30_000, np.int32))
    assert (sixteen_bit.mode, thirty_two_bit.mode) == ("I;16", "I")

    # 65535 is white: 30,000 is 116.7 of 255.
    assert flattened_rgb(sixteen_bit).getpixel((5, 5)) == flattened_rgb(thirty_two_bit).getpixel((5, 5))
    assert abs(flattened_rgb(thirty_two_bit).getpixel((5, 5))[0] - 30_000 * 255 / 65_535) <= 1
