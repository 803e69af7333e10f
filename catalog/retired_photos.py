"""Photo files an article stopped recording: retired for a grace period, then removed by a sweep.

A replaced photo (an import, a staff upload) or a deleted article's is not removed when that
commits: pages rendered a moment before still show its address. Its path is retired instead, a
RetiredPhoto row written in the same transaction that stops recording it (so a rollback retires
nothing), and `photos_remove_retired` (beat's housekeeping, or `manage.py remove_retired_photos`)
removes the files retired longer than RETIRED_PHOTOS_GRACE_SECONDS that no article records.

Only files with a retired row are ever removed by the sweep: a file an upload or an import has
written but not recorded yet has none. Such a file may still carry a retired path, though: photos
are named by their fingerprint, so the same photo uploaded again is written under the name it had
before it was replaced. Recording it deletes its row, in the recording transaction; but between the
write and that commit, a sweep that checked "no row records it" would unlink the file just
written. So writers hold a shared PostgreSQL advisory lock from before they write until their
record has committed (`photos_being_stored`), and each batch of the sweep takes the exclusive one
with a try-lock, stopping for this round when a writer holds it: the next round comes soon, a
photo removed from under its record does not come back.

SQLite (the demo) has no advisory locks: there the writers take none and the sweep does not wait.
The demo writes photos from one process, and runs no beat (no REDIS_URL), so the sweep only runs
when someone types `manage.py remove_retired_photos`; run it while no import or upload is going on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from catalog.models import Article, RetiredPhoto

logger = logging.getLogger(__name__)

# The advisory lock's key ("photos" in ASCII): one 64-bit key space is shared by every advisory
# lock of the database, and nothing else of the shop takes one.
PHOTO_FILES_LOCK = int.from_bytes(b"photos")
# Retired paths one transaction of the sweep removes: the exclusive lock is held for one batch of
# unlinks at a time, so that an upload waiting for it (within the web's lock timeout) is not kept
# long, and a sweep of a whole re-imported catalogue (two files per article) yields between batches.
REMOVED_PER_BATCH = 200


def photos_retire(*, paths: Iterable[str]) -> None:
    """Retire `paths` now, in the caller's transaction (the one that stops recording them).

    A path retired already is retired anew: it was recorded again since (un-retired), or its
    row's transaction and this one overlapped; either way its grace starts now.
    """
    now = timezone.now()
    rows = [RetiredPhoto(path=path, retired_at=now) for path in sorted(set(paths) - {""})]
    RetiredPhoto.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["path"], update_fields=["retired_at"]
    )


def photos_unretire(*, paths: Iterable[str]) -> None:
    """Keep `paths` for good: called in the transaction that records them again (a restore, the
    same photo uploaded again under the name it had)."""
    RetiredPhoto.objects.filter(path__in=set(paths)).delete()


@contextmanager
def photos_being_stored() -> Iterator[None]:
    """Held while photo files are written and until their record commits: the sweep does not
    remove retired files meanwhile (see the module's docstring). Waits for a sweep's batch.

    A session lock, not a transaction's: an import records its photos in many transactions, and an
    upload writes its files before its record's transaction begins.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock_shared(%s)", [PHOTO_FILES_LOCK])
    try:
        yield
    finally:
        _release_shared_lock()


def _release_shared_lock() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_shared(%s)", [PHOTO_FILES_LOCK])
    except DatabaseError:
        # The connection is lost, or its transaction failed. Left open, it would hold the lock for as
        # long as it lives (a web process keeps its connections) and every sweep would stop;
        # PostgreSQL releases a session's locks when it closes.
        logger.warning("Could not release the photo writers' lock; closing the connection.", exc_info=True)
        connection.close()


@dataclass
class RetiredSweep:
    removed: list[str] = field(default_factory=list)  # files removed, relative to MEDIA_ROOT
    recorded: list[str] = field(default_factory=list)  # retired, but recorded again: kept
    # Paths outside MEDIA_ROOT (free text in the admin once: /srv/legacy/x.jpg, ../x.jpg): never the
    # shop's to delete, so their rows are forgotten and the files left alone.
    outside_media_root: list[str] = field(default_factory=list)
    # A writer held the lock: the rest waits for the next round.
    stopped_for_writer: bool = False
    left: int = 0  # when stopped: retired files past their grace still waiting


def photos_remove_retired(
    *, now: dt.datetime | None = None, grace_seconds: int | None = None, paths: Collection[str] | None = None
) -> RetiredSweep:
    """Remove the files retired longer than `grace_seconds` (RETIRED_PHOTOS_GRACE_SECONDS unless
    given; 0: every retired file, a takedown) that no article records, and forget their rows (those
    recorded again too). `paths`: only these retired files. The task and the command call this."""
    grace = settings.RETIRED_PHOTOS_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=grace)
    due = RetiredPhoto.objects.retired_before(cutoff)
    if paths is not None:
        due = due.filter(path__in=set(paths))
    sweep = RetiredSweep()
    after = ""
    while True:
        with transaction.atomic():
            if not _sweep_lock_taken():
                sweep.stopped_for_writer = True
                sweep.left = due.count()
                return sweep
            # In path order from where the last batch ended: a file that cannot be removed keeps its
            # row for the next round, and is not read again in this one. The rows are locked: a
            # delete of the last article recording one (paths were free text once, two articles may
            # share one) retires it anew, and so waits for this batch, uncommitted, which keeps the
            # file recorded for recorded_paths below.
            batch = list(
                due.filter(path__gt=after)
                .order_by("path")
                .select_for_update()
                .values_list("path", flat=True)[:REMOVED_PER_BATCH]
            )
            if not batch:
                return sweep
            after = batch[-1]
            recorded = Article.objects.recorded_paths(batch)
            forgotten = set(recorded)
            for path in batch:
                if path in recorded:
                    continue
                try:
                    default_storage.delete(path)  # a file missing already is no error
                except SuspiciousFileOperation:
                    # Kept as a row, it stopped every later round at this very path, as it rolled
                    # the batch back.
                    logger.warning("The retired photo path %s is outside MEDIA_ROOT; leaving it alone.", path)
                    forgotten.add(path)
                    sweep.outside_media_root.append(path)
                    continue
                except OSError:
                    logger.warning(
                        "Could not remove the retired photo %s; trying again later.", path, exc_info=True
                    )
                    continue
                forgotten.add(path)
                sweep.removed.append(path)
            sweep.recorded.extend(sorted(recorded))
            # A path retired again after recorded_paths found it recorded (its last article deleted:
            # deletes take no photo lock) keeps its row, for a grace of its own.
            RetiredPhoto.objects.retired_before(cutoff).filter(path__in=forgotten).delete()


def _sweep_lock_taken() -> bool:
    """The exclusive photo lock for the rest of this transaction, unless a writer holds it."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [PHOTO_FILES_LOCK])
        (taken,) = cursor.fetchone()
    return bool(taken)
