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

A photo's files are named by its fingerprint too (articles/010/0108775015-1a2b3c4d5e6f7a8b.jpg),
so that a new photo never overwrites the files an article's row points to: they were written over
before the row changed, so a failure in between (a transaction rolled back, an import stopped)
left the old fingerprint and size recorded beside the new pixels, which caches then kept under
the old version and the content run embedded under the old fingerprint. The row now switches to
the new files in one commit, which retires the old ones (catalog.retired_photos: removed after a
grace period, as pages rendered before still show them).

Pure file work (Pillow, no Django), so that worker processes can run it without setting Django up.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import uuid
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
# Enough of a fingerprint in a file's name to tell the article's photos apart, as its URLs do
# (catalog.models.PHOTO_VERSION_CHARS).
NAME_FINGERPRINT_CHARS = 16
INCOMPLETE = "the JPEG is incomplete: the end of the file is missing, so part of the photo would be grey"


def original_path(article_id: int, fingerprint: str) -> str:
    """Relative to MEDIA_ROOT, in H&M's folders, named by the article and its photo's fingerprint:
    articles/010/0108775015-1a2b3c4d5e6f7a8b.jpg."""
    name = f"{article_id:010d}"
    return f"{MEDIA_FOLDER}/{name[:3]}/{name}-{fingerprint[:NAME_FINGERPRINT_CHARS]}.jpg"


def thumbnail_path(article_id: int, fingerprint: str) -> str:
    name = f"{article_id:010d}"
    return f"{MEDIA_FOLDER}/thumbnails/{name[:3]}/{name}-{fingerprint[:NAME_FINGERPRINT_CHARS]}.webp"


@dataclass(frozen=True)
class ImageTask:
    source: str
    article_id: int
    known_fingerprint: str  # what the article records (Article.image_sha256), "" for none
    media_root: str
    # The files the article records (Article.image, image_thumbnail), "" for none: older imports
    # stored photos under the article's name alone, and those are skipped as well when unchanged.
    known_paths: tuple[str, str] = ("", "")


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
    # and the operating system's reason, "/srv/media/articles/010/0108775015-….jpg: No space left …".
    unwritable: str = ""
    # Where a stored photo was written, relative to MEDIA_ROOT (for Article.image, image_thumbnail).
    original: str = ""
    thumbnail: str = ""

    @property
    def files(self) -> tuple[str, ...]:
        """The files this result wrote (none for a photo skipped or bad)."""
        return (self.original, self.thumbnail) if self.stored else ()


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo processed in memory, not yet written: its result, and the bytes of its two files."""

    result: ImageResult
    original_data: bytes = b""
    thumbnail_data: bytes = b""


def processed_fingerprint(data: bytes) -> str:
    """The fingerprint of a photo stored re-encoded: its bytes' and its processing's."""
    return hashlib.sha256(f"{PHOTO_PROCESSING}\n".encode() + data).hexdigest()


def process_image(task: ImageTask) -> ImageResult:
    """Store the task's photo under new names unless the article records it already; the caller
    records the result on the article (catalog.services.articles_record_photos)."""
    return _processed(task)[0]


def _processed(task: ImageTask) -> tuple[ImageResult, tuple[str, ...]]:
    """process_image's result, and the files it created (names that were not on disk before)."""
    data = Path(task.source).read_bytes()
    media_root = Path(task.media_root)
    sha256 = hashlib.sha256(data).hexdigest()
    recorded = [media_root / path for path in task.known_paths if path]
    if (
        len(recorded) == 2
        and all(path.exists() for path in recorded)
        and _stored_already(data, sha256, task.known_fingerprint)
    ):
        return ImageResult(task.article_id, task.source, stored=False, fingerprint=task.known_fingerprint), ()
    prepared = prepare_photo(data, article_id=task.article_id, source=task.source, sha256=sha256)
    created: tuple[str, ...] = ()
    if prepared.result.stored:
        try:
            created = write_photo(prepared, media_root)
        except OSError as error:
            # Not the photo's fault: the import stops naming the file, where a bare OSError from a
            # worker process named neither it nor (for a full disk) any file.
            result = ImageResult(
                task.article_id, task.source, stored=False, unwritable=unwritable(error, prepared, media_root)
            )
            return result, ()
    return prepared.result, created


def unwritable(error: OSError, prepared: PreparedPhoto, media_root: Path) -> str:
    """Which file could not be written and why: "/srv/media/articles/…jpg: No space left on device"."""
    where = error.filename or media_root / prepared.result.original
    return f"{where}: {error.strerror or error}"


def process_images(tasks: list[ImageTask]) -> list[ImageResult]:
    """A worker process's share of an import (it imports this module alone, without Django).

    When a task raises (a photo removed since the import listed it, an error Pillow raises beyond
    those process_image reports), the files this share created before it are removed before the
    error goes back: the import only learns of the error, never of those results, and would leave
    files no row records. Only files it created: a name on disk before is another's, and this
    worker cannot ask the database whose (a retired photo stored again under its name, still
    shown by pages rendered before its grace ends; a photo a staff upload recorded meanwhile).
    """
    results: list[ImageResult] = []
    created: list[str] = []
    try:
        for task in tasks:
            result, files = _processed(task)
            results.append(result)
            created.extend(files)
    except BaseException:
        media_root = Path(tasks[0].media_root)
        for path in created:
            (media_root / path).unlink(missing_ok=True)
        raise
    return results


def ignore_interrupts() -> None:
    """A worker process's start (ProcessPoolExecutor's initializer): Ctrl-C in a terminal reaches
    every process of its group, and a worker it stopped dropped its share's results, their photos
    stored; the import itself stops, and removes what the workers stored (images._run)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def write_photo(prepared: PreparedPhoto, media_root: Path) -> tuple[str, ...]:
    """Write a prepared photo's two files, each whole (see _write_atomically), or neither; returns
    those of their names (relative to media_root) that were not on disk before."""
    names = (prepared.result.original, prepared.result.thumbnail)
    # A photo restored under the names its article records (its thumbnail was lost, say) keeps
    # the original it had if the thumbnail cannot be written.
    created = tuple(name for name in names if not (media_root / name).exists())
    original = media_root / prepared.result.original
    _write_atomically(original, prepared.original_data)
    try:
        _write_atomically(media_root / prepared.result.thumbnail, prepared.thumbnail_data)
    except BaseException:
        if prepared.result.original in created:
            original.unlink(missing_ok=True)
        raise
    return created


def prepare_photo(data: bytes, *, article_id: int, source: str = "", sha256: str = "") -> PreparedPhoto:
    """Check, measure and process a photo in memory: its files' bytes, or the problem with it.
    `sha256`: the data's, when the caller has it already."""
    sha256 = sha256 or hashlib.sha256(data).hexdigest()

    def problem(text: str) -> PreparedPhoto:
        return PreparedPhoto(ImageResult(article_id, source, stored=False, problem=text))

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
                return problem(f"the PNG {damage}")
            image.draft("RGB", draft_size)
            image.load()
            if image_format in ("JPEG", "MPO") and jpeg_cut_short(data, image, draft_size=draft_size):
                return problem(INCOMPLETE)
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
        if not data:
            return problem("the file is empty")
        return problem(f"{len(data):,} bytes in no image format Pillow reads")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return problem(str(error) or type(error).__name__)
    if small.width > THUMBNAIL_WIDTH:
        small = small.resize(
            (THUMBNAIL_WIDTH, max(1, round(small.height * THUMBNAIL_WIDTH / small.width))),
            Image.Resampling.LANCZOS,
        )
    buffer = io.BytesIO()
    small.save(buffer, "WEBP", quality=THUMBNAIL_QUALITY, method=THUMBNAIL_EFFORT)
    result = ImageResult(
        article_id,
        source,
        stored=True,
        fingerprint=fingerprint,
        width=width,
        height=height,
        original=original_path(article_id, fingerprint),
        thumbnail=thumbnail_path(article_id, fingerprint),
    )
    return PreparedPhoto(result, data, buffer.getvalue())


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


def _write_atomically(path: Path, data: bytes) -> None:
    # A page never sees half a file: write beside it, then rename over it. The temporary name is
    # this write's own: two threads storing the same photo write the same file.
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        # A full disk's error names no file: name the one being written (the thumbnail's, say).
        if isinstance(error, OSError) and error.filename is None:
            error.filename = str(path)
        raise
