"""Photos uploaded for "Shop the look": hostile until proven otherwise.

Checks, in order, each failing with a message a shopper can act on:
  - one file, present, not empty, at most settings.MAX_UPLOAD_BYTES (the request's declared size
    is checked before Django reads the body, so an oversized request costs nothing);
  - a JPEG, PNG or WebP by its content, not its name: Pillow opens it with only those three
    decoders (other formats get a message that names them when their signature is recognised);
  - at most MAX_UPLOAD_PIXELS, with Pillow's decompression-bomb warning turned into an error;
  - a single frame (no animations or multi-page files; the extra images phones embed in a JPEG
    are ignored);
  - fully decoded before use (a truncated file fails here, not inside the model);
then the photo is downscaled, turned upright by its EXIF orientation and re-encoded in memory, so
the model only ever sees a clean, small RGB image. Nothing is written to permanent storage: the
upload lives in memory (or Django's temporary file for large bodies) for one request.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
# 40 megapixels admits every common phone photo (12-24 MP, and 48 MP sensors save 12 MP by
# default) while bounding a decoded RGBA image to 160 MB; Pillow's own limit (89 MP warning,
# 179 MP error) is far too generous for a web request. JPEGs are further decoded at a reduced scale.
MAX_UPLOAD_PIXELS = 40_000_000
# The model needs 160-224 px; 640 keeps enough detail for any backend and for a sharper re-encode.
MODEL_MAX_SIDE = 640
REENCODE_QUALITY = 90
# Modes Image.reduce accepts (it refuses bilevel, palette and 16-bit greyscale).
REDUCIBLE_MODES = ("L", "LA", "PA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F")
FIELD_NAME = "image"
# Multipart framing and form fields around the photo itself.
REQUEST_OVERHEAD_BYTES = 64 * 1024

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


@dataclass
class UploadRejected(Exception):
    message: str
    status: int = 400

    def __str__(self) -> str:
        return self.message


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_request_size(request: HttpRequest) -> None:
    """Refuse an oversized body from its declared length, before Django parses (and buffers) it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.MAX_UPLOAD_BYTES + REQUEST_OVERHEAD_BYTES:
        raise UploadRejected(
            f"That photo is too large ({_megabytes(declared)}). "
            f"The limit is {_megabytes(settings.MAX_UPLOAD_BYTES)}.",
            status=413,
        )


def uploaded_photo(request: HttpRequest) -> UploadedFile:
    """The one file in the request's `image` field."""
    total_files = sum(len(request.FILES.getlist(name)) for name in request.FILES)
    if total_files == 0:
        raise UploadRejected("Choose a photo to search with (JPEG, PNG or WebP).")
    if total_files > 1:
        raise UploadRejected("Please upload one photo at a time.")
    upload = request.FILES.get(FIELD_NAME)
    if upload is None:
        raise UploadRejected(f"Send the photo in the form field “{FIELD_NAME}”.")
    return upload


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


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    """At most limit + 1 bytes: enough to know the file is too large without reading all of it."""
    data = stream.read(limit + 1)
    return data if isinstance(data, bytes) else bytes(data)


def validate_photo(data: bytes) -> Image.Image:
    """Checks, decodes and normalises one photo; raises UploadRejected with a human message."""
    limit = settings.MAX_UPLOAD_BYTES
    if not data:
        raise UploadRejected("That file is empty. Choose a photo (JPEG, PNG or WebP).")
    if len(data) > limit:
        raise UploadRejected(f"That photo is too large. The limit is {_megabytes(limit)}.", status=413)
    refused = _signature_format(data[:1024])
    if refused is not None:
        raise UploadRejected(
            f"{refused} files are not accepted. Please upload a JPEG, PNG or WebP photo.", status=415
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
            return _decode(image)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise UploadRejected(_too_many_pixels_message(), status=413) from None
        except UnidentifiedImageError:
            raise UploadRejected(
                "That file is not a photo we can read. Please upload a JPEG, PNG or WebP image.", status=415
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise UploadRejected(
                "That photo is damaged or incomplete (it may not have finished uploading). Try another."
            ) from None


def _too_many_pixels_message() -> str:
    return f"That photo has too many pixels. The limit is {MAX_UPLOAD_PIXELS // 1_000_000} megapixels."


def _decode(image: Image.Image) -> Image.Image:
    with image:
        width, height = image.size
        if width <= 0 or height <= 0 or width * height > MAX_UPLOAD_PIXELS:
            raise UploadRejected(_too_many_pixels_message(), status=413)
        # Phones save HDR gain maps and depth maps as further images inside a JPEG (MPO): the
        # first image is the photo.
        jpeg = image.format in ("JPEG", "MPO")
        if not jpeg and (getattr(image, "n_frames", 1) > 1 or getattr(image, "is_animated", False)):
            raise UploadRejected(
                "Animated or multi-page images are not accepted. Please upload a single photo."
            )
        if jpeg:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a 40 MP photo then costs a few MB.
            image.draft("RGB", (MODEL_MAX_SIDE, MODEL_MAX_SIDE))
        image.load()
        orientation = image.getexif().get(ExifTags.Base.Orientation)
        # Shrunk first, so that turning and flattening copy a small image. A 40 MP PNG with an
        # alpha channel peaks at about 320 MB (decoded, premultiplied); it was 650 MB when every
        # step copied the full-size image.
        small = _shrunk(image)
    rgb = _flatten_to_rgb(small)
    if orientation is not None:
        # The shrunk copy carries no EXIF: hand Pillow the orientation to turn it by.
        rgb.getexif()[ExifTags.Base.Orientation] = orientation
        rgb = ImageOps.exif_transpose(rgb)
    rgb.thumbnail((MODEL_MAX_SIDE, MODEL_MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # Re-encoding drops whatever else the file carried (metadata, odd colour modes, trailing data).
    rgb.save(buffer, format="JPEG", quality=REENCODE_QUALITY)
    buffer.seek(0)
    clean = Image.open(buffer, formats=["JPEG"])
    clean.load()
    return clean


def _shrunk(image: Image.Image) -> Image.Image:
    """The image at no more than about twice MODEL_MAX_SIDE a side, in its own mode, averaging
    whole blocks of pixels. `reduce` allocates only the result, except for transparent images,
    which it premultiplies by their alpha first (one full-size copy, so that the colour of
    transparent pixels does not bleed into the edges)."""
    factor = max(image.size) // (2 * MODEL_MAX_SIDE)
    if factor < 2:
        return image
    if image.mode in REDUCIBLE_MODES:
        return image.reduce(factor)
    # Bilevel, palette and 16-bit greyscale: resize handles them (palettes by nearest pixel).
    return image.resize((max(1, image.width // factor), max(1, image.height // factor)), Image.Resampling.BOX)


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas become white, like a product photo's background.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def photo_from_request(request: HttpRequest) -> Image.Image:
    """The request's photo, validated and normalised, or UploadRejected.

    Callers run check_request_size first, before anything (request.POST included) reads the body.
    The size limit itself is enforced by validate_photo: read_limited never reads past it.
    """
    upload = uploaded_photo(request)
    upload.seek(0)
    return validate_photo(read_limited(upload, settings.MAX_UPLOAD_BYTES))
