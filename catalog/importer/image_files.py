"""One article photo: check it is an image, copy it into MEDIA_ROOT, make its thumbnail.

The stored photo and its thumbnail are upright. A phone saves its pixels as the sensor read them,
with an EXIF orientation that says how to turn them: browsers turn a JPEG by it, but the thumbnail
(a WebP made from the pixels) came out sideways, a PNG or WebP re-encoded as JPEG lost the
orientation, and the size recorded was the sideways one. Such a photo is stored turned upright
(re-encoded, the orientation dropped); a JPEG without one is still copied byte for byte, unless
bytes follow its end marker (a polyglot: an HTML page or a ZIP appended), which re-encoding drops.

What the article records of its photo (Article.image_sha256) says which: the file's own sha256
for a photo copied byte for byte, and for one re-encoded a fingerprint that names the processing
(PHOTO_PROCESSING) too. An import skips a photo whose record matches, so a photo re-encoded by
older processing (stored sideways, or on black) is done again, and the content run, which keys
its image vectors by that record, embeds again exactly the photos whose pixels changed; H&M's
plain JPEGs are neither copied nor embedded again.

Pure file work (Pillow, no Django), so that worker processes can run it without setting Django up.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from storefront.jpeg_completeness import jpeg_cut_short, jpeg_ends_with_its_image
from storefront.photo_pixels import TURNS, exif_orientation, flattened_rgb, upright
from storefront.png_completeness import png_damage

# Product grids show cards about 250px wide; 256px covers them at 1x.
THUMBNAIL_WIDTH = 256
THUMBNAIL_QUALITY = 80
# WebP encoder effort 0-6: 2 is twice as fast as the default 4 for files ~2% larger.
THUMBNAIL_EFFORT = 2
MEDIA_FOLDER = "articles"
# A photo stored re-encoded (not a JPEG, or turned upright) is saved at this JPEG quality.
ORIGINAL_QUALITY = 90
# EXIF orientations (storefront.photo_pixels.TURNS) that turn the photo a quarter turn, swapping
# its width and height.
QUARTER_TURNS = frozenset({5, 6, 7, 8})
# An ICC profile's colour space (ICC.1, 7.2.6: header bytes 16-20). The stored copy is RGB, so only
# an RGB profile describes it: a CMYK or grey one attached to RGB pixels makes an invalid JPEG.
ICC_COLOUR_SPACE = slice(16, 20)
ICC_RGB = b"RGB "
# Names how a re-encoded photo is made, in its fingerprint. Change it whenever a change to the
# processing changes the photos it stores, so that the next import stores them again.
PHOTO_PROCESSING = "upright-flat-v2"
INCOMPLETE = "the JPEG is incomplete: the end of the file is missing, so part of the photo would be grey"


def original_path(article_id: int) -> str:
    """Relative to MEDIA_ROOT, in H&M's layout: articles/010/0108775015.jpg."""
    name = f"{article_id:010d}"
    return f"{MEDIA_FOLDER}/{name[:3]}/{name}.jpg"


def thumbnail_path(article_id: int) -> str:
    name = f"{article_id:010d}"
    return f"{MEDIA_FOLDER}/thumbnails/{name[:3]}/{name}.webp"


@dataclass(frozen=True)
class ImageTask:
    source: str
    article_id: int
    known_fingerprint: str  # what the article records (Article.image_sha256), "" for none
    media_root: str


@dataclass(frozen=True)
class ImageResult:
    article_id: int
    source: str
    stored: bool  # False: unchanged since the last import, or bad (then problem says why)
    fingerprint: str = ""  # for Article.image_sha256
    width: int = 0
    height: int = 0
    problem: str = ""
    # The photo is fine but could not be written (a full disk, an unwritable MEDIA_ROOT): the file
    # and the operating system's reason, "/srv/media/articles/010/0108775015.jpg: No space left …".
    unwritable: str = ""


def processed_fingerprint(data: bytes) -> str:
    """The fingerprint of a photo stored re-encoded: its bytes' and its processing's."""
    return hashlib.sha256(f"{PHOTO_PROCESSING}\n".encode() + data).hexdigest()


def process_image(task: ImageTask) -> ImageResult:
    data = Path(task.source).read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    media_root = Path(task.media_root)
    original = media_root / original_path(task.article_id)
    thumbnail = media_root / thumbnail_path(task.article_id)
    if original.exists() and thumbnail.exists() and _stored_already(data, sha256, task.known_fingerprint):
        return ImageResult(task.article_id, task.source, stored=False, fingerprint=task.known_fingerprint)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            orientation = exif_orientation(image)
            verbatim = _stored_verbatim(image_format, orientation, data)
            width, height = image.size
            if orientation in QUARTER_TURNS:
                width, height = height, width
            # JPEG can decode at 1/2, 1/4, 1/8 scale: far cheaper for H&M's 1166x1750 photos.
            # The size asked for is the stored pixels' (sideways for a quarter turn).
            draft_size = (THUMBNAIL_WIDTH, max(1, height * THUMBNAIL_WIDTH // max(width, 1)))
            if orientation in QUARTER_TURNS:
                draft_size = draft_size[::-1]
            if image_format == "PNG" and (damage := png_damage(data)):
                return ImageResult(task.article_id, task.source, stored=False, problem=f"the PNG {damage}")
            image.draft("RGB", draft_size)
            image.load()
            if image_format in ("JPEG", "MPO") and jpeg_cut_short(data, image, draft_size=draft_size):
                return ImageResult(task.article_id, task.source, stored=False, problem=INCOMPLETE)
            # A cut-out on a transparent background is stored on white, as shop the look sees it:
            # converted plainly, it came out on black.
            small = upright(flattened_rgb(image), orientation)
            profile = _rgb_profile(image)
        fingerprint = sha256 if verbatim else processed_fingerprint(data)
        if not verbatim:
            # Only a JPEG was decoded at a reduced scale (draft); any other photo is `small` whole.
            whole = small
            if image_format in ("JPEG", "MPO"):
                with Image.open(io.BytesIO(data)) as image:
                    whole = upright(flattened_rgb(image), orientation)
            buffer = io.BytesIO()
            whole.save(buffer, "JPEG", quality=ORIGINAL_QUALITY, icc_profile=profile)
            data = buffer.getvalue()
    except UnidentifiedImageError:
        # Pillow's own message names an in-memory buffer; say what is wrong with the file instead.
        problem = "the file is empty" if not data else f"{len(data):,} bytes in no image format Pillow reads"
        return ImageResult(task.article_id, task.source, stored=False, problem=problem)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return ImageResult(
            task.article_id, task.source, stored=False, problem=str(error) or type(error).__name__
        )
    if small.width > THUMBNAIL_WIDTH:
        small = small.resize(
            (THUMBNAIL_WIDTH, max(1, round(small.height * THUMBNAIL_WIDTH / small.width))),
            Image.Resampling.LANCZOS,
        )
    buffer = io.BytesIO()
    small.save(buffer, "WEBP", quality=THUMBNAIL_QUALITY, method=THUMBNAIL_EFFORT)
    try:
        _write_atomically([(original, data), (thumbnail, buffer.getvalue())])
    except OSError as error:
        # Not the photo's fault: the import stops naming the folder, where a bare OSError from a
        # worker process named neither it nor (for a full disk) any file.
        where = error.filename or original
        return ImageResult(
            task.article_id, task.source, stored=False, unwritable=f"{where}: {error.strerror or error}"
        )
    return ImageResult(
        task.article_id, task.source, stored=True, fingerprint=fingerprint, width=width, height=height
    )


def _stored_already(data: bytes, sha256: str, known: str) -> bool:
    """Whether the article's record says this photo is stored as this processing stores it."""
    if known != sha256:
        return bool(known) and known == processed_fingerprint(data)
    # The file's own sha256 is right for a photo copied byte for byte. Another photo recorded so
    # was re-encoded before its fingerprint named the processing: it is stored again. Only the
    # header is read (format and EXIF), which costs little next to decoding H&M's photos.
    try:
        with Image.open(io.BytesIO(data)) as image:
            return _stored_verbatim(image.format, exif_orientation(image), data)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False  # processing it reports what is wrong


def _stored_verbatim(image_format: str | None, orientation: int, data: bytes) -> bool:
    """A JPEG with nothing to turn is copied byte for byte; every other photo is re-encoded, and so
    is a JPEG with bytes after its end (a page or a ZIP appended), which are no part of the photo."""
    return image_format == "JPEG" and orientation not in TURNS and jpeg_ends_with_its_image(data)


def _rgb_profile(image: Image.Image) -> bytes | None:
    """The photo's ICC profile when it describes RGB: the copy stored is RGB whatever the source."""
    profile = image.info.get("icc_profile")
    if isinstance(profile, bytes) and profile[ICC_COLOUR_SPACE] == ICC_RGB:
        return profile
    return None


def _write_atomically(files: list[tuple[Path, bytes]]) -> None:
    """A page never sees half a file, nor a new photo beside the old thumbnail: every file is
    written beside its place first, then all are renamed over the old ones (a rename needs no
    space). A write that fails (a full disk) leaves the old files as they were and no part behind."""
    temporaries: list[Path] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporaries.append(temporary)
            temporary.write_bytes(data)
        for (path, _), temporary in zip(files, temporaries, strict=True):
            os.replace(temporary, path)
    except OSError:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise
