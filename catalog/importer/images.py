"""images/0XX/0XXXXXXXXX.jpg → MEDIA_ROOT/articles/... plus thumbnails, recorded on each Article.

Photos whose fingerprint matches what the article already records (and whose files are still
there) are skipped, so re-imports only touch changed photos, and photos stored by an older
processing (image_files.PHOTO_PROCESSING). The work runs in a few processes (decoding
and resizing is CPU-bound); results are written to the database in batches. A file that is not
an image stops the import with its name; photos stored before it stay recorded, and none after.

A photo that cannot be written (a full disk, an unwritable MEDIA_ROOT) stops it the same way,
naming the file it could not write (MediaUnwritable).

A changed photo is written under new names beside the old files, which its article keeps showing
until its batch is recorded (catalog.services.articles_record_photos), which retires them (removed
after a grace period, catalog.retired_photos; the sweep waits for the whole photo phase, which
may write a photo under a retired name: the same photo back again). Files written for photos
that end up recorded by no row are removed again, so the disk holds no photo its article does not
record: those after a bad photo, which the worker processes had already done; a batch interrupted
by Ctrl-C (which stops this process only: the workers ignore it and finish their share, whose
photos are then removed); and a worker's share of photos that stopped on an error (a photo removed
since the import listed it, say), which the worker removes before reporting the error. A worker
process killed outright (its pool broken) leaves the photos it had stored.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

from django.conf import settings

from catalog.importer.errors import ImportInputError, MediaUnwritable
from catalog.importer.image_files import (
    ImageResult,
    ImageTask,
    ignore_interrupts,
    process_image,
    process_images,
)
from catalog.importer.report import FileReport
from catalog.importer.schema import IMAGES_DIR
from catalog.models import Article
from catalog.progress import Progress
from catalog.retired_photos import photos_being_stored
from catalog.services import articles_record_photos, photos_remove_unrecorded

_IMAGE_NAME = re.compile(r"(\d{1,19})\.jpe?g", re.IGNORECASE)
BATCH = 500
# Photos a worker process takes at a time (pool.map's chunksize before): few enough that a bad
# photo stops the import soon, many enough that handing them out costs little.
CHUNK = 32
# Below this many photos, starting worker processes costs more than it saves.
POOL_THRESHOLD = 200


def import_images(images_dir: Path, *, progress: Progress, workers: int | None = None) -> FileReport:
    started = time.monotonic()
    known = {
        article_id: (fingerprint, (image, thumbnail))
        for article_id, fingerprint, image, thumbnail in Article.objects.values_list(
            "article_id", "image_sha256", "image", "image_thumbnail"
        )
    }
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
            # Both would be stored for the article and one of them recorded, whichever the
            # workers finished last, and every import would "change" it again.
            # Found before any photo is stored: the error names the folder, none of which is stored.
            raise ImportInputError(
                IMAGES_DIR,
                f"{_relative(path, images_dir)} is a second photo of article {article_id:010d} "
                f"besides {_relative(photos[article_id], images_dir)}: keep one",
            )
        photos[article_id] = path
    tasks = [
        ImageTask(str(path), article_id, known[article_id][0], str(settings.MEDIA_ROOT), known[article_id][1])
        for article_id, path in photos.items()
    ]

    # The whole photo phase: a photo written under a retired name (one replaced before, back
    # again) must not be removed by the sweep before its batch is recorded.
    with photos_being_stored():
        stored = _store_and_record(tasks, images_dir, progress=progress, workers=workers)

    notes = []
    if without_article:
        notes.append(f"{without_article} photos of unknown articles skipped")
    if ignored:
        notes.append(f"{ignored} files not named like 0108775015.jpg ignored")
    return FileReport(
        IMAGES_DIR, rows=len(tasks), changed=stored, seconds=time.monotonic() - started, notes=notes
    )


def _store_and_record(
    tasks: list[ImageTask], images_dir: Path, *, progress: Progress, workers: int | None
) -> int:
    """Store the tasks' photos and record them in batches; returns how many were stored."""
    stored = 0
    # Results handed over but not recorded yet: removed if the import stops before they are.
    pending: list[ImageResult] = []
    try:
        # Closed on the way out (removing what the workers stored beyond the result in hand), not
        # whenever the generator is collected.
        with (
            progress.bar(IMAGES_DIR, total=len(tasks), unit="images") as advance,
            closing(_run(tasks, workers)) as results,
        ):
            for result in results:
                if result.problem or result.unwritable:
                    # The photos before it stay recorded, none after.
                    articles_record_photos(results=pending)
                    pending = []
                    if result.unwritable:
                        raise MediaUnwritable(str(settings.MEDIA_ROOT), result.unwritable, stored=stored)
                    raise ImportInputError(
                        _relative(Path(result.source), images_dir),
                        f"is not a readable image ({result.problem})",
                    )
                if result.stored:
                    stored += 1
                    pending.append(result)
                    if len(pending) >= BATCH:
                        articles_record_photos(results=pending)
                        pending = []
                # Once the result is in hand: a Ctrl-C while the bar redraws finds it in pending.
                advance(1)
            articles_record_photos(results=pending)
            pending = []
    except BaseException:
        photos_remove_unrecorded(paths=[path for result in pending for path in result.files])
        raise
    return stored


def _relative(path: Path, images_dir: Path) -> str:
    """As the error names it: images/010/0108775015.jpg."""
    return str(path.relative_to(images_dir.parent))


def _run(tasks: list[ImageTask], workers: int | None) -> Generator[ImageResult, None, None]:
    """Each task's result, in order. When the caller stops early (a bad photo, Ctrl-C), the photos
    that worker processes had stored beyond the result it stopped at are removed here; those of the
    results it was handed are its own to record or remove."""
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(tasks) < POOL_THRESHOLD:
        yield from map(process_image, tasks)
        return
    # A chunk's future is dropped once its results are in hand (memory stays flat, as pool.map's).
    chunks = [tasks[start : start + CHUNK] for start in range(0, len(tasks), CHUNK)]
    # Ctrl-C stops the import (this process) alone: see ignore_interrupts. The workers start (as
    # chunks are submitted) while this process ignores it too, which they inherit: one still
    # starting, its initializer not run yet, was killed by it, and the broken pool killed the
    # others mid-write.
    with _interrupts_ignored():
        # spawn, not fork: children must not inherit the parent's open database connection.
        spawn = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=spawn, initializer=ignore_interrupts)
        futures = deque(pool.submit(process_images, chunk) for chunk in chunks)
    in_hand: deque[ImageResult] = deque()
    try:
        while futures:
            # Off the queue once its results are in hand: Ctrl-C comes mostly while this waits,
            # and a share taken off before had its photos left on disk, recorded by no row.
            in_hand = deque(futures[0].result())
            futures.popleft()
            while in_hand:
                yield in_hand.popleft()
    finally:
        # On a bad photo, stop at once rather than finishing every queued one; chunks already
        # running finish, and store their photos. A chunk that raised removed its own (process_images).
        pool.shutdown(wait=True, cancel_futures=True)
        unread = list(in_hand)
        for future in futures:
            if not future.cancelled() and future.exception() is None:
                unread.extend(future.result())
        photos_remove_unrecorded(paths=[path for result in unread for path in result.files])


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ctrl-C ignored for a moment (a Ctrl-C then is lost); only the main thread can set that."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        # None: a handler set outside Python, which cannot be put back; Python's own then.
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
