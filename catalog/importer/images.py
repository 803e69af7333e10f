"""images/0XX/0XXXXXXXXX.jpg → MEDIA_ROOT/articles/... plus thumbnails, recorded on each Article.

Photos whose fingerprint matches what the article already records (and whose files are still
there) are skipped, so re-imports only touch changed photos, and photos stored by an older
processing (image_files.PHOTO_PROCESSING). The work runs in a few processes (decoding
and resizing is CPU-bound); results are written to the database in batches. A file that is not
an image stops the import with its name; photos stored before it stay recorded, and none after.
A photo that cannot be written (a full disk, an unwritable MEDIA_ROOT) stops it the same way,
naming the file it could not write (MediaUnwritable).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import transaction

from catalog.importer.errors import ImportInputError, MediaUnwritable
from catalog.importer.image_files import ImageResult, ImageTask, original_path, process_image, thumbnail_path
from catalog.importer.report import FileReport
from catalog.importer.schema import IMAGES_DIR
from catalog.models import Article
from catalog.progress import Progress

_IMAGE_NAME = re.compile(r"(\d{1,19})\.jpe?g", re.IGNORECASE)
BATCH = 500
# Below this many photos, starting worker processes costs more than it saves.
POOL_THRESHOLD = 200
FIELDS = ["image", "image_thumbnail", "image_width", "image_height", "image_sha256"]


def import_images(images_dir: Path, *, progress: Progress, workers: int | None = None) -> FileReport:
    started = time.monotonic()
    known = dict(Article.objects.values_list("article_id", "image_sha256"))
    photos: dict[int, Path] = {}
    ignored = without_article = 0
    for path in sorted(images_dir.rglob("*")):
        if not path.is_file():
            continue
        match = _IMAGE_NAME.fullmatch(path.name)
        if match is None:
            ignored += 1
            continue
        article_id = int(match[1])
        if article_id not in known:
            without_article += 1
            continue
        if article_id in photos:
            # Both would be written to the article's one file, in whichever order the workers
            # finish: the photo, its thumbnail and its recorded checksum could come from
            # different files, and every import would "change" it again.
            # Found before any photo is stored: the error names the folder, none of which is stored.
            raise ImportInputError(
                IMAGES_DIR,
                f"{_relative(path, images_dir)} is a second photo of article {article_id:010d} "
                f"besides {_relative(photos[article_id], images_dir)}: keep one",
            )
        photos[article_id] = path
    tasks = [
        ImageTask(str(path), article_id, known[article_id], str(settings.MEDIA_ROOT))
        for article_id, path in photos.items()
    ]

    stored = 0
    pending: list[Article] = []
    with progress.bar(IMAGES_DIR, total=len(tasks), unit="images") as advance:
        for result in _run(tasks, workers):
            advance(1)
            if result.problem:
                _save(pending)
                raise ImportInputError(
                    _relative(Path(result.source), images_dir), f"is not a readable image ({result.problem})"
                )
            if result.unwritable:
                _save(pending)
                raise MediaUnwritable(str(settings.MEDIA_ROOT), result.unwritable, stored=stored)
            if result.stored:
                stored += 1
                pending.append(
                    Article(
                        article_id=result.article_id,
                        image=original_path(result.article_id),
                        image_thumbnail=thumbnail_path(result.article_id),
                        image_width=result.width,
                        image_height=result.height,
                        image_sha256=result.fingerprint,
                    )
                )
                if len(pending) >= BATCH:
                    _save(pending)
                    pending = []
        _save(pending)

    notes = []
    if without_article:
        notes.append(f"{without_article} photos of unknown articles skipped")
    if ignored:
        notes.append(f"{ignored} files not named like 0108775015.jpg ignored")
    return FileReport(
        IMAGES_DIR, rows=len(tasks), changed=stored, seconds=time.monotonic() - started, notes=notes
    )


def _relative(path: Path, images_dir: Path) -> str:
    """As the error names it: images/010/0108775015.jpg."""
    return str(path.relative_to(images_dir.parent))


def _run(tasks: list[ImageTask], workers: int | None) -> Iterator[ImageResult]:
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(tasks) < POOL_THRESHOLD:
        yield from map(process_image, tasks)
        return
    # spawn, not fork: children must not inherit the parent's open database connection.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield from pool.map(process_image, tasks, chunksize=32)
    finally:
        # On a bad photo, stop at once rather than finishing every queued one.
        pool.shutdown(wait=True, cancel_futures=True)


def _save(articles: Iterable[Article]) -> None:
    articles = list(articles)
    if articles:
        with transaction.atomic():
            Article.objects.bulk_update(articles, FIELDS, batch_size=BATCH)
