"""Helpers for tests of retired photo files (catalog.retired_photos)."""

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from catalog.models import RetiredPhoto
from catalog.retired_photos import RetiredSweep, photos_remove_retired

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
