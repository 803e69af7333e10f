"""A JPEG cut short and given its end marker again is found (storefront.jpeg_completeness), and no
whole JPEG is, whichever way it was encoded: each is made in the real encodings Pillow writes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from storefront.jpeg_completeness import jpeg_cut_short
from tests.recommendations.hostile_files import cut_short_and_closed, encoded
from tests.recommendations.photos import garment_photo

# Odd sizes, so that the last block row and column are partly outside the photo.
SMALL, LARGE = (203, 157), (803, 605)
# The check decodes a second time only when the photo ends in the grey of an all-zero block: a
# whole photo's background that grey takes that path, so the whole photos below all end in it.
MID_GREY = (128, 128, 128)
ENCODINGS: dict[str, dict[str, object]] = {
    "baseline": {"quality": 90},
    "quality 100": {"quality": 100},
    "optimised tables": {"quality": 85, "optimize": True},
    "progressive": {"quality": 90, "progressive": True},
    "progressive, optimised": {"quality": 75, "progressive": True, "optimize": True},
    "restart every block": {"quality": 90, "restart_marker_blocks": 1},
    "restart every row, progressive": {"quality": 90, "restart_marker_rows": 1, "progressive": True},
    "4:4:4": {"quality": 90, "subsampling": 0},
    "4:2:2": {"quality": 90, "subsampling": 1},
    "4:2:0": {"quality": 60, "subsampling": 2},
    "RGB without YCbCr": {"quality": 90, "keep_rgb": True},
    "EXIF with orientation": {"quality": 90, "exif": b""},  # filled in by photo()
    "greyscale": {"quality": 90},
    "CMYK": {"quality": 90},
    "CMYK progressive": {"quality": 90, "progressive": True},
}


def photo(encoding: str, size: tuple[int, int], *, grainy: bool = False) -> bytes:
    """A garment on mid grey, or on a camera's grain (nothing of which is grey) when `grainy`."""
    garment = garment_photo(3, "Red").resize((size[0] // 2, size[1] // 2))
    image = Image.effect_noise(size, 30).convert("RGB") if grainy else Image.new("RGB", size, MID_GREY)
    image.paste(garment, (size[0] // 4, size[1] // 4))
    options = dict(ENCODINGS[encoding])
    if encoding == "greyscale":
        image = image.convert("L")
    elif encoding.startswith("CMYK"):
        # Adobe CMYK, stored inverted: its all-zero blocks read (127, 127, 127, 127).
        image = image.convert("CMYK").point(lambda value: 127 if value in (0, 127) else value)
    elif encoding.startswith("EXIF"):
        exif = Image.Exif()
        exif[0x0112] = 6
        exif[0x010F] = "Phone maker"
        options["exif"] = exif.tobytes()
    return encoded(image, "JPEG", **options)


def decoded(data: bytes, draft_size: tuple[int, int] | None) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=["JPEG"])
    if draft_size is not None:
        image.draft("RGB", draft_size)
    image.load()
    return image


def ends_in_zero_block_grey(image: Image.Image) -> bool:
    pixel = image.getpixel((image.width - 1, image.height - 1))
    return all(value in (127, 128) for value in (pixel if isinstance(pixel, tuple) else (pixel,)))


@pytest.mark.parametrize("draft_size", [None, (100, 100)], ids=["full scale", "drafted"])
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_whole_jpeg_is_not_cut_short(encoding, size, draft_size):
    data = photo(encoding, size)
    image = decoded(data, draft_size)
    # The precondition for the second decode: without it, the test would not test it.
    assert ends_in_zero_block_grey(image)
    assert not jpeg_cut_short(data, image, draft_size=draft_size)


@pytest.mark.parametrize("draft_size", [None, (100, 100)], ids=["full scale", "drafted"])
@pytest.mark.parametrize("share", [0.4, 0.97])
@pytest.mark.parametrize("encoding", [name for name in ENCODINGS if "progressive" not in name])
def test_a_jpeg_cut_short_and_closed_again_is_found(encoding, share, draft_size):
    cut = cut_short_and_closed(photo(encoding, LARGE, grainy=True), share)
    assert jpeg_cut_short(cut, decoded(cut, draft_size), draft_size=draft_size)


@pytest.mark.parametrize("encoding", [name for name in ENCODINGS if "progressive" in name])
def test_a_progressive_jpeg_cut_in_its_first_scan_is_found(encoding):
    data = photo(encoding, LARGE, grainy=True)
    first_scan, second_scan = data.index(b"\xff\xda"), data.index(b"\xff\xda", data.index(b"\xff\xda") + 2)
    cut = data[: (first_scan + second_scan) // 2] + b"\xff\xd9"
    assert jpeg_cut_short(cut, decoded(cut, None), draft_size=None)


def test_a_progressive_jpeg_cut_in_a_later_scan_is_the_whole_photo_with_less_detail():
    """What progressive files are for: every block has its colour after the first scan."""
    data = encoded(Image.effect_noise(LARGE, 30).convert("RGB"), "JPEG", progressive=True)
    cut = cut_short_and_closed(data, 0.6)
    image = decoded(cut, None)
    assert not ends_in_zero_block_grey(image)
    assert not jpeg_cut_short(cut, image, draft_size=None)


def test_only_the_first_image_of_a_phone_jpeg_is_probed():
    """Phones store a gain map or depth map after the photo's end marker (the MPO layout)."""
    whole = Image.new("RGB", SMALL, MID_GREY)
    data = encoded(whole, "MPO", save_all=True, append_images=[Image.new("L", (60, 80), 128)])
    assert not jpeg_cut_short(data, decoded(data, None), draft_size=None)
    noisy = encoded(Image.effect_noise(SMALL, 30).convert("RGB"), "JPEG", quality=90)
    gain_map = encoded(Image.new("L", (60, 80), 128), "JPEG")
    cut = cut_short_and_closed(noisy) + gain_map
    assert jpeg_cut_short(cut, decoded(cut, None), draft_size=None)


# Run in a process of its own with a time limit: the search holds the interpreter (and the test)
# for as long as it runs. With the limit far above the check's own time (well under a second for
# a megabyte), only work that grows with the square of the padding runs into it.
PADDED_CHECK = """
import io, sys
from PIL import Image
from storefront.jpeg_completeness import jpeg_cut_short
data = sys.stdin.buffer.read()
with Image.open(io.BytesIO(data)) as image:
    image.load()
    print(jpeg_cut_short(data, image, draft_size=None))
"""


@pytest.mark.parametrize(
    "padding",
    [
        b"\xff" * 1_000_000 + b"\x00",  # after the scan's data: a stuffed 0xFF run, skipped by libjpeg
        b"\xff" * 1_000_000,  # fill bytes before the end marker
    ],
    ids=["stuffed run in the scan", "fill before the end marker"],
)
def test_a_megabyte_of_padding_costs_the_check_no_more_than_its_reading(padding):
    # Tried from every byte of a run of 0xFF followed by 0x00, the scan-end search took time growing
    # with the square of the run: 68 s for 128 KB, a web worker held for as long.
    whole = encoded(Image.new("RGB", SMALL, MID_GREY), "JPEG", quality=90)
    assert whole.endswith(b"\xff\xd9")
    padded = whole[:-2] + padding + b"\xff\xd9"
    checked = subprocess.run(
        [sys.executable, "-c", PADDED_CHECK],
        input=padded,
        capture_output=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert checked.stdout.strip() == b"False"  # and it is whole
