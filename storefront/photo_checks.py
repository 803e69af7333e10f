"""The checks every uploaded photo passes, whoever takes it: shop the look, the catalogue admin.

An upload is hostile until proven otherwise. In order, each failing with a message a person can
act on:
  - not empty, at most settings.MAX_UPLOAD_BYTES;
  - a JPEG, PNG or WebP by its content, not its name: Pillow opens it with only those three
    decoders (other formats get a message that names them when their signature is recognised);
  - at most MAX_UPLOAD_PIXELS, with Pillow's decompression-bomb warning turned into an error;
  - a JPEG in at most MAX_JPEG_SCANS scans (each scan decodes the whole image again);
  - a single frame (no animations or multi-page files; the extra images phones embed in a JPEG
    are ignored);
  - a PNG whose compressed data holds every row its header declares (Pillow leaves the rows
    after a short but well-formed stream black and says nothing: storefront.png_completeness);
  - fully decoded before use (a truncated file fails here, not later);
  - a JPEG whose image data runs to its last block (one cut short and given its end marker
    again decodes without an error, the rest of it grey: storefront.jpeg_completeness).

Here rather than in catalog/ or recommendations/, which both take photos and must not import
each other's code the wrong way round.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from storefront.jpeg_completeness import jpeg_cut_short
from storefront.png_completeness import png_damage

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
# 40 megapixels admits every common phone photo (12-24 MP, and 48 MP sensors save 12 MP by
# default) while bounding a decoded RGBA image to 160 MB; Pillow's own limit (89 MP warning,
# 179 MP error) is far too generous for a web request. JPEGs are further decoded at a reduced scale.
MAX_UPLOAD_PIXELS = 40_000_000
KILOBYTE = 1024
MEGABYTE = 1024 * KILOBYTE

# libjpeg decodes the whole image again for each scan, and a scan can be 20 bytes: a 241 kB JPEG of
# 510 scans of a 6000 x 6000 photo took 15 s of CPU (benchmarks/hostile_uploads_bench.py), so a
# 10 MB one would hold a web worker for many minutes. Encoders write 1 scan (baseline) to about 10
# (libjpeg's progressive script for colour); the thumbnail and further images phones embed are
# counted too, each with its own scans. 50 of the costliest scans of a 40 MP photo take about 1.5 s,
# twice that for a file that ends in mid grey, which the completeness check decodes again.
MAX_JPEG_SCANS = 50
JPEG_START = b"\xff\xd8"
# The start-of-scan marker. An 0xFF byte inside compressed data is always followed by 0x00 or a
# restart marker, so counting this pair never undercounts a file's scans.
JPEG_START_OF_SCAN = b"\xff\xda"

# Recognisable signatures of formats we refuse, for a message that names them.
KNOWN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x01\x00", "ICO"),
)


INCOMPLETE_JPEG_MESSAGE = (
    "That photo is incomplete: the end of the file is missing, so part of the picture is blank grey. "
    "It was probably cut short while it was saved or sent; try the original photo again."
)


@dataclass
class UploadRejected(Exception):
    message: str
    status: int = 400

    def __str__(self) -> str:
        return self.message


def megabytes(size: int, *, over_limit: int | None = None) -> str:
    """A size to a tenth of a MB, without the tenth when it is 0 ("10 MB", "10.3 MB"); under a
    megabyte in kB the same way (a 100,000-byte limit read "0 MB").

    A limit (over_limit=None) is rounded down, so that it is never overstated. A size refused as
    over `over_limit` is rounded to the nearest tenth, halves up, but reads at least a tenth above
    the limit: one byte over 10 MB read "too large (10 MB). The limit is 10 MB.". Computed in whole
    numbers exactly as static/js/shop-the-look.js computes it, so that the page and the server
    write every size alike (Python's format rounded 1.25 MB to "1.2", JavaScript's Math.round to 1.3).
    """
    unit, name = _size_unit(size)
    if over_limit is None:
        tenths = size * 10 // unit
    else:
        tenths = (size * 20 + unit) // (2 * unit)
        if _size_unit(over_limit)[0] == unit:
            tenths = max(tenths, over_limit * 10 // unit + 1)
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth} {name}" if tenth else f"{whole} {name}"


def _size_unit(size: int) -> tuple[int, str]:
    return (MEGABYTE, "MB") if size >= MEGABYTE else (KILOBYTE, "kB")


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    """At most limit + 1 bytes: enough to know the file is too large without reading all of it."""
    data = stream.read(limit + 1)
    return data if isinstance(data, bytes) else bytes(data)


def _signature_format(head: bytes) -> str | None:
    for signature, name in KNOWN_SIGNATURES:
        if head.startswith(signature):
            return name
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<svg", b"<?xml")) or b"<svg" in stripped[:512]:
        return "SVG"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "HEIC"
    if head[4:12] == b"ftypavif":
        return "AVIF"
    return None


def too_many_pixels_message() -> str:
    return f"That photo has too many pixels. The limit is {MAX_UPLOAD_PIXELS // 1_000_000} megapixels."


@contextmanager
def checked_photo(data: bytes, *, draft_size: tuple[int, int]) -> Iterator[Image.Image]:
    """The photo, checked and decoded (a JPEG at the smallest scale of at least `draft_size`), open
    for the block; raises UploadRejected. A damaged file found by the block is refused the same way."""
    limit = settings.MAX_UPLOAD_BYTES
    if not data:
        raise UploadRejected("That file is empty. Choose a photo (JPEG, PNG or WebP).")
    if len(data) > limit:
        raise UploadRejected(f"That photo is too large. The limit is {megabytes(limit)}.", status=413)
    refused = _signature_format(data[:1024])
    if refused is not None:
        raise UploadRejected(
            f"{refused} files are not accepted. Please upload a JPEG, PNG or WebP photo.", status=415
        )
    _check_jpeg_scans(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS)) as image:
                _check_frames_and_pixels(image)
                if image.format == "PNG" and (damage := png_damage(data)):
                    # Runs after the pixel cap, so the count it inflates to is bounded.
                    damaged = f"That PNG {damage}: it is damaged or incomplete. Try another photo."
                    raise UploadRejected(damaged)
                if image.format in ("JPEG", "MPO"):
                    # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a 40 MP photo then costs a few MB.
                    image.draft("RGB", draft_size)
                image.load()
                if image.format in ("JPEG", "MPO") and jpeg_cut_short(data, image, draft_size=draft_size):
                    raise UploadRejected(INCOMPLETE_JPEG_MESSAGE)
                yield image
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise UploadRejected(too_many_pixels_message(), status=413) from None
        except UnidentifiedImageError:
            raise UploadRejected(
                "That file is not a photo we can read. Please upload a JPEG, PNG or WebP image.", status=415
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise UploadRejected(
                "That photo is damaged or incomplete (it may not have finished uploading). Try another."
            ) from None


def _check_jpeg_scans(data: bytes) -> None:
    if not data.startswith(JPEG_START):
        return
    scans = data.count(JPEG_START_OF_SCAN)
    if scans > MAX_JPEG_SCANS:
        raise UploadRejected(
            f"That JPEG is stored in {scans:,} scans; photos have at most {MAX_JPEG_SCANS}. "
            "Save it again from a photo app (or as PNG) and try again."
        )


def _check_frames_and_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > MAX_UPLOAD_PIXELS:
        raise UploadRejected(too_many_pixels_message(), status=413)
    # Phones save HDR gain maps and depth maps as further images inside a JPEG (MPO): the
    # first image is the photo.
    jpeg = image.format in ("JPEG", "MPO")
    if not jpeg and (getattr(image, "n_frames", 1) > 1 or getattr(image, "is_animated", False)):
        raise UploadRejected("Animated or multi-page images are not accepted. Please upload a single photo.")
