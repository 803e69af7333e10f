"""Helpers for tests of retired photo files (catalog.retired_photos)."""

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from catalog.models import RetiredPhoto
from catalog.retired_photos import RetiredSweep, photos_being_stored, photos_remove_retired

DAY = dt.timedelta(days=1)


def sweep_after_the_grace() -> RetiredSweep:
    """The housekeeping sweep, as it runs once the grace period of every file retired so far is over."""
    later = timezone.now() + dt.timedelta(seconds=settings.RETIRED_PHOTOS_GRACE_SECONDS + 1)
    return photos_remove_retired(now=later)


def retire_long_ago(*paths: str, media: Path, ago: dt.timedelta = 2 * DAY) -> None:
    """Photo files at `paths` (under `media`), retired `ago`: past the default grace of a day."""
    for path in paths:
        (media / path).parent.mkdir(parents=True, exist_ok=True)
        (media / path).write_bytes(b"photo")
        RetiredPhoto.objects.create(path=path, retired_at=timezone.now() - ago)


def on_disk(media: Path, paths: Iterable[str]) -> list[bool]:
    return [(media / path).exists() for path in paths]


def in_another_thread(work: Callable[[], Any]) -> Any:
    """`work()`'s result, run on a connection of its own (another process's, as far as PostgreSQL knows)."""
    outcome = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:  # handed back to the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@contextmanager
def a_writer_storing_photos() -> Iterator[None]:
    """While the block runs, another connection is inside photos_being_stored, as an import or an
    upload storing photos in another process."""
    holding, done = threading.Event(), threading.Event()

    def store() -> None:
        try:
            with photos_being_stored():
                holding.set()
                done.wait(timeout=30)
        finally:
            connections.close_all()

    writer = threading.Thread(target=store)
    writer.start()
    try:
        assert holding.wait(timeout=30)
        yield
    finally:
        done.set()
        writer.join(timeout=30)
