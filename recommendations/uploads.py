"""Photos uploaded for "Shop the look": hostile until proven otherwise.

One file, present (the request's declared size is checked before Django parses the body, so an
oversized request is never buffered or spooled to disk: at most read and thrown away, so that the
client can read the refusal), that passes the checks every upload passes
(storefront.photo_checks: size, format by content, pixels, one frame, fully decoded); then the
photo is downscaled, turned upright by its EXIF orientation and re-encoded in memory, so the
model only ever sees a clean, small RGB image. Nothing is written to disk: the upload lives in
memory for one request (FILE_UPLOAD_MAX_MEMORY_SIZE is above the largest body the size check lets
through, so Django never spools one to a temporary file). The
results page shows the shopper the photo they searched with as a thumbnail inside the page
itself (a data: address, which the Content-Security-Policy already admits for images).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, UnreadablePostError
from PIL import Image

from storefront.photo_checks import UploadRejected, checked_photo, megabytes, read_limited
from storefront.photo_pixels import exif_orientation, flattened_rgb, has_transparent_colour, upright

# The model needs 160-224 px; 640 keeps enough detail for any backend and for a sharper re-encode.
MODEL_MAX_SIDE = 640
REENCODE_QUALITY = 90
# Modes Image.reduce accepts (it refuses bilevel, palette and 16-bit greyscale).
REDUCIBLE_MODES = ("L", "LA", "PA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F")
# The searched photo beside the results: small enough to add ~10 kB to the page, big enough to
# recognise the garment on a phone (shown at most 8rem = 128 CSS px wide, sharp at 2x).
PREVIEW_MAX_SIDE = 256
PREVIEW_QUALITY = 80
FIELD_NAME = "image"
# Multipart framing and form fields around the photo itself.
REQUEST_OVERHEAD_BYTES = 64 * 1024


# An oversized body is read and thrown away, up to this many times the limit, before the 413 goes
# out. gunicorn closes a connection whose body was left unread (it reads on for only 64 kB), and a
# browser, which sends the whole body before it reads the answer, then shows "connection reset"
# instead of the page. Four times the 10 MB limit covers a phone's largest photos; a bigger body is
# not from a phone's form, and its connection is closed rather than held open for it.
DRAIN_LIMIT_FACTOR = 4
DRAIN_PIECE_BYTES = 64 * 1024


def check_request_size(request: HttpRequest) -> None:
    """Refuse an oversized body from its declared length, before Django parses (and buffers) it.

    The body is discarded rather than parsed (nothing is kept), up to DRAIN_LIMIT_FACTOR times
    the limit, so that the client can read the refusal."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.MAX_UPLOAD_BYTES + REQUEST_OVERHEAD_BYTES:
        if declared <= DRAIN_LIMIT_FACTOR * settings.MAX_UPLOAD_BYTES:
            _discard_body(request, declared)
        raise UploadRejected(
            f"That photo is too large ({megabytes(declared, over_limit=settings.MAX_UPLOAD_BYTES)}). "
            f"The limit is {megabytes(settings.MAX_UPLOAD_BYTES)}.",
            status=413,
        )


def _discard_body(request: HttpRequest, size: int) -> None:
    remaining = size
    try:
        while remaining > 0:
            piece = request.read(min(DRAIN_PIECE_BYTES, remaining))
            if not piece:
                return
            remaining -= len(piece)
    except (OSError, UnreadablePostError):
        return  # the client has gone: nobody is left to read the answer


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


def validate_photo(data: bytes) -> Image.Image:
    """Checks (storefront.photo_checks), decodes and normalises one photo; raises UploadRejected."""
    with checked_photo(data, draft_size=(MODEL_MAX_SIDE, MODEL_MAX_SIDE)) as image:
        return _normalised(image)


@dataclass(frozen=True)
class PhotoPreview:
    url: str
    width: int
    height: int


def photo_preview(photo: Image.Image) -> PhotoPreview:
    """The clean photo (validate_photo's result: upright, cropped as the shopper framed it) as a
    small JPEG in a data: address, so the page shows what the results are like without the
    upload being kept anywhere."""
    thumbnail = photo.copy()
    thumbnail.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumbnail.save(buffer, format="JPEG", quality=PREVIEW_QUALITY)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return PhotoPreview(f"data:image/jpeg;base64,{encoded}", thumbnail.width, thumbnail.height)


def _normalised(image: Image.Image) -> Image.Image:
    # Shrunk first, so that turning and flattening copy a small image. A 40 MP PNG with an
    # alpha channel peaks at about 320 MB (decoded, premultiplied); it was 650 MB when every
    # step copied the full-size image.
    rgb = upright(flattened_rgb(_shrunk(image)), exif_orientation(image))
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
    if has_transparent_colour(image):
        # Averaged as a colour, the transparent one fringed the edges: as alpha, reduce leaves it
        # out. Then as any transparent image (a 36 MP photo peaked 283 MB above its decoded
        # pixels; flattened on white at full size first, 309 MB).
        image = image.convert("RGBA")
    if image.mode in REDUCIBLE_MODES:
        return image.reduce(factor)
    # Bilevel, palette and 16-bit greyscale: resize handles them (palettes by nearest pixel).
    return image.resize((max(1, image.width // factor), max(1, image.height // factor)), Image.Resampling.BOX)


def photo_from_request(request: HttpRequest) -> Image.Image:
    """The request's photo, validated and normalised, or UploadRejected.

    Callers run check_request_size first, before anything (request.POST included) reads the body.
    The size limit itself is enforced by validate_photo: read_limited never reads past it.
    """
    upload = uploaded_photo(request)
    upload.seek(0)
    return validate_photo(read_limited(upload, settings.MAX_UPLOAD_BYTES))
