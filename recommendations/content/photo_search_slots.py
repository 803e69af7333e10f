"""A cap on the photo searches ("shop the look") one web process runs at once.

Each photo search decodes, shrinks and frames the photo and runs the image tower: tens of
milliseconds of CPU at best, much more on a busy machine. A gunicorn process has WEB_THREADS
threads for every request, so a handful of simultaneous uploads could take all of them, and
every process's, and page views would wait behind photos. A search that finds every slot taken
is refused at once (503 with Retry-After) instead of queueing, so the threads it would have
waited in keep serving pages; the shopper is asked to try again in a moment.

The slot is taken after the upload has been read (a phone on a weak signal spends seconds
sending its photo without using any CPU) and held for the decode and the search only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from PIL import Image

from recommendations.content.serving import SearchFilters, content_model, search_by_image
from recommendations.types import Recommendation
from recommendations.uploads import photo_from_request

# Results of one photo search, on the page and from the API.
RESULTS_LIMIT = 24

# A photo search takes about 0.1 s on one core; after a couple of seconds the searches that
# filled the slots are long done, and a shopper retrying by hand takes about that long anyway.
RETRY_AFTER_SECONDS = 2
BUSY_MESSAGE = (
    "Shop the look is busy right now: too many photos are being searched at once. "
    f"Nothing is wrong with your photo; please try again in {RETRY_AFTER_SECONDS} seconds."
)


class PhotoSearchesBusy(Exception):
    """Every photo search slot of this process is taken."""

    status = 503
    message = BUSY_MESSAGE
    retry_after = RETRY_AFTER_SECONDS


_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def _semaphore() -> threading.BoundedSemaphore:
    """The process's semaphore, sized from PHOTO_SEARCHES_PER_PROCESS when first needed."""
    global _slots
    if _slots is None:
        with _lock:
            if _slots is None:
                _slots = threading.BoundedSemaphore(settings.PHOTO_SEARCHES_PER_PROCESS)
    return _slots


@receiver(setting_changed)
def _resize(*, setting: str, **_kwargs: Any) -> None:
    """A changed limit (only tests change settings) takes a new semaphore; searches holding a slot
    of the old one release it there."""
    global _slots
    if setting == "PHOTO_SEARCHES_PER_PROCESS":
        _slots = None


@contextmanager
def photo_search_slot() -> Iterator[None]:
    """Hold one of the process's photo search slots, or raise PhotoSearchesBusy without waiting."""
    semaphore = _semaphore()
    if not semaphore.acquire(blocking=False):
        raise PhotoSearchesBusy
    try:
        yield
    finally:
        semaphore.release()


@dataclass(frozen=True)
class PhotoSearch:
    photo: Image.Image  # the clean photo searched with (uploads.validate_photo's result)
    available: bool  # whether a content model serves (else no results)
    results: list[Recommendation]


def search_uploaded_photo(request: HttpRequest, filters: SearchFilters) -> PhotoSearch:
    """The request's photo, decoded and searched within one of the process's slots (the page's and
    the API's photo searches alike). Raises UploadRejected or PhotoSearchesBusy.

    The caller has read the upload already (its filters come from the same body), so a slow upload
    holds no slot."""
    with photo_search_slot():
        photo = photo_from_request(request)
        available = content_model() is not None
        results = search_by_image(photo, k=RESULTS_LIMIT, filters=filters) if available else []
    return PhotoSearch(photo, available, results)
