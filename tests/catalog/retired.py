"""Helpers for tests of retired photo files (catalog.retired_photos)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from catalog.retired_photos import RetiredSweep, photos_remove_retired


def sweep_after_the_grace() -> RetiredSweep:
    """The housekeeping sweep, as it runs once the grace period of every file retired so far is over."""
    later = timezone.now() + dt.timedelta(seconds=settings.RETIRED_PHOTOS_GRACE_SECONDS + 1)
    return photos_remove_retired(now=later)
