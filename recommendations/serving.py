"""The models a web process serves: loaded lazily, kept in memory, swapped when a new one is active.

`active_model(kind)` is called on every request that shows a recommendation, so it must be
nearly free. Each process keeps the loaded model per kind and checks which version is active at
most every SERVING_VERSION_CHECK_SECONDS, by reading one cache key (`active-version:<kind>`, set on
activation). When the cache (Redis) is unavailable, or is a per-process cache (no REDIS_URL, the
demo), or has no key (expired, Redis restarted), it asks the database instead, at most every
SERVING_DB_FALLBACK_SECONDS; a database that is down is logged once per outage. So a new version
is picked up within a few seconds, with neither a database query nor a load per request, and
serving keeps going while Redis is down.

A process that already serves a model loads the next version in a background thread and keeps
answering with the one it has until the new one is ready: a load takes seconds at H&M scale
(checksums, index files), and every request of the process that noticed the change, and then
every request of a threaded worker waiting for the slot, used to wait for it. A model is warmed
(its first use built, e.g. the content model's towers) before it serves, wherever it is loaded.

A process with nothing loaded yet loads in the thread that asks first (a command, a worker job,
a test). A web server's workers never do (warm_up, from gunicorn.conf.py): they start the loads in
the background as they start, so that they answer pages at once instead of after 20 s of loading
(torch, the text tower), and any later first load (a kind's first activation on a running shop, a
broken version retried, a load the start-up could not do) goes to a background thread too. A
request that meanwhile asks for a kind still loading gets None, like a process with nothing
trained, and falls back (trending instead of personal picks, search by words alone).

When the active version cannot be loaded (missing, partial, corrupted, incompatible) the
problem is logged, the previously loaded model (if any) keeps serving, and callers that get None
fall back to their direct queries.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from recommendations import artifacts
from recommendations.models import ModelVersion
from recommendations.registry import ModelKind, all_kinds, get_kind
from storefront.cache_backends import shared_cache_down

logger = logging.getLogger(__name__)

# The cache key expires so that a missed announcement (Redis was down at activation) heals
# itself: on a miss each process reads the database once and re-sets the key.
ACTIVE_VERSION_CACHE_TTL_SECONDS = 60
# A version that failed to load is retried after this long (e.g. a shared volume came back).
BROKEN_VERSION_RETRY_SECONDS = 60
NO_ACTIVE_VERSION = 0
_UNKNOWN = -1


def active_version_cache_key(kind_name: str) -> str:
    return f"recommendations:active-version:{kind_name}"


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    checked_at: float = float("-inf")
    db_checked_at: float = float("-inf")
    # The version this process last saw as active, and the model it loaded for it.
    version_id: int = _UNKNOWN
    loaded_version: int | None = None
    model: Any = None
    failed_at: float | None = None
    # The version whose load failed last (kept while it is retried): it is broken, not loading.
    failed_version: int | None = None
    # The thread loading a new version while `model` keeps serving, if one is running.
    loader: threading.Thread | None = None


_slots: dict[str, _Slot] = {}
_slots_lock = threading.Lock()
# Whether this process's last read of the active versions failed (the database is down): its
# outage is logged once, when it begins, and once more when it ends.
_database_outage = False
_outage_lock = threading.Lock()
# Set by warm_up (web servers): no request loads a model in its own thread, not even a first one.
_first_loads_in_background = False


def _slot(kind_name: str) -> _Slot:
    slot = _slots.get(kind_name)
    if slot is None:
        with _slots_lock:
            slot = _slots.setdefault(kind_name, _Slot())
    return slot


def active_model(kind_name: str) -> Any | None:
    """The in-memory model of the kind's active version, or None (callers fall back)."""
    slot = _slot(kind_name)
    if time.monotonic() - slot.checked_at < settings.SERVING_VERSION_CHECK_SECONDS:
        return slot.model
    # Another thread holds the slot while it checks the version (a moment) or loads the process's
    # first model of this kind (up to 20 s): serve what the slot has meanwhile, nothing or the
    # model of the last check, rather than keep a shopper waiting.
    if not slot.lock.acquire(blocking=False):
        return slot.model
    try:
        return _check(kind_name, slot)
    finally:
        slot.lock.release()


def _check(kind_name: str, slot: _Slot) -> Any | None:
    """Called with slot.lock held: the slot's model after looking which version is active."""
    now = time.monotonic()
    # Another thread may have checked just before this one took the lock.
    if now - slot.checked_at < settings.SERVING_VERSION_CHECK_SECONDS:
        return slot.model
    slot.checked_at = now
    version_id = _read_active_version_id(kind_name, slot, now)
    if version_id == _UNKNOWN:
        return slot.model
    retry_broken = slot.failed_at is not None and now - slot.failed_at >= BROKEN_VERSION_RETRY_SECONDS
    if version_id != slot.version_id or retry_broken:
        _swap(kind_name, slot, version_id)
    return slot.model


WARM_UP_FINISHED = "Warm-up finished"


def warm_up() -> threading.Thread:
    """Loads (and warms) every kind's active version, one thread per kind so that the quick ones
    (trending, collaborative: well under a second) do not wait behind the content model's towers,
    and logs WARM_UP_FINISHED when all are done (benchmarks wait for it). Servers call it as each
    worker process starts (gunicorn.conf.py) and answer meanwhile: requests for a kind still
    loading fall back, and from now on no request loads one itself (see the module's docstring).
    Returns the thread that waits for the others (join it to wait)."""
    global _first_loads_in_background
    _first_loads_in_background = True
    started = time.monotonic()

    def load_every_kind() -> None:
        threads = [
            threading.Thread(target=_warm_kind, args=(kind.name,), name=f"warm-up-{kind.name}", daemon=True)
            for kind in all_kinds()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        logger.info("%s in %.2f s.", WARM_UP_FINISHED, time.monotonic() - started)

    waiter = threading.Thread(target=load_every_kind, name="warm-up", daemon=True)
    waiter.start()
    return waiter


def _warm_kind(kind_name: str) -> None:
    try:
        active_model(kind_name)
        _wait_for_loader(_slot(kind_name))
    except Exception:
        logger.warning("Could not load the %s model at start; requests will retry.", kind_name, exc_info=True)
    finally:
        # This thread's own connection (the version lookups), which nothing else would close.
        connections.close_all()


def serving_state(kind_name: str) -> dict[str, Any]:
    """What this process serves for a kind (for staff and tests): checks the version first."""
    model = active_model(kind_name)
    slot = _slot(kind_name)
    return {
        "kind": kind_name,
        "active_version_id": None if slot.version_id in (_UNKNOWN, NO_ACTIVE_VERSION) else slot.version_id,
        "loaded_version_id": slot.loaded_version,
        "loaded": model is not None,
        "loading": is_loading(kind_name),
    }


def is_loading(kind_name: str) -> bool:
    """Whether this process serves nothing of the kind yet because its first model is on its way:
    a loader thread is running, or another thread holds the slot (a worker's warm-up looking up
    the version, or loading it). Callers tell shoppers "in a moment" rather than "unavailable".
    A version that failed to load is not loading, even while it is retried."""
    slot = _slot(kind_name)
    if slot.model is not None or slot.version_id in (NO_ACTIVE_VERSION, slot.failed_version):
        return False
    loader = slot.loader
    return (loader is not None and loader.is_alive()) or slot.lock.locked()


def announce_active_version(kind_name: str, version_id: int | None) -> None:
    """Tell every web process (through the cache) that a kind's active version changed."""
    try:
        cache.set(
            active_version_cache_key(kind_name),
            version_id or NO_ACTIVE_VERSION,
            ACTIVE_VERSION_CACHE_TTL_SECONDS,
        )
    except Exception:
        # Redis is down: processes fall back to the database and pick the change up from there.
        logger.warning("Could not announce the new %s version through the cache.", kind_name, exc_info=True)


def reset() -> None:
    """Forget every loaded model (tests, and after fork in servers that preload)."""
    with _slots_lock:
        _slots.clear()
    _database_outage_changed(False)


def _cache_is_shared() -> bool:
    """A per-process cache (no Redis: the demo) cannot carry announcements between processes."""
    backend = str(settings.CACHES["default"]["BACKEND"])
    if backend.endswith(("LocMemCache", "DummyCache")):
        return False
    # While Redis is unreachable the resilient backend answers "nothing cached": poll the
    # database at the slower fallback pace instead of on every request.
    return not shared_cache_down()


def _read_active_version_id(kind_name: str, slot: _Slot, now: float) -> int:
    use_cache = _cache_is_shared()
    if use_cache:
        try:
            cached = cache.get(active_version_cache_key(kind_name))
        except Exception:
            use_cache = False
            logger.debug("Cache unavailable while checking the %s version.", kind_name, exc_info=True)
        else:
            if cached is not None:
                return int(cached)
            # A cold cache (expired, or Redis restarted): one database read fills it for everyone.
    # Ask the database at most every SERVING_DB_FALLBACK_SECONDS, with or without a usable cache:
    # every check would otherwise be a query (without the cache), or a query that fails while
    # the database is down and so never fills the cold cache (with it).
    if now - slot.db_checked_at < settings.SERVING_DB_FALLBACK_SECONDS:
        return _UNKNOWN
    slot.db_checked_at = now
    try:
        version_id = (
            ModelVersion.objects.active().filter(kind=kind_name).values_list("id", flat=True).first()
            or NO_ACTIVE_VERSION
        )
    except Exception as error:
        if _database_outage_changed(True):
            logger.warning(
                "Could not read the active model versions from the database (%s: %s); serving what "
                "this process has loaded until it answers.",
                type(error).__name__,
                " ".join(str(error).split()),
            )
        return _UNKNOWN
    if _database_outage_changed(False):
        logger.warning("The database answers again: the active model versions are read from it as before.")
    if use_cache:
        # add, not set: an activation announced between our query and now must not be
        # overwritten with the older id we read.
        try:
            cache.add(active_version_cache_key(kind_name), version_id, ACTIVE_VERSION_CACHE_TTL_SECONDS)
        except Exception:
            logger.debug("Could not fill the %s version cache key.", kind_name, exc_info=True)
    return version_id


def _database_outage_changed(down: bool) -> bool:
    """Record whether the database answers; True when that changed. One line per outage (and one
    at its end), for every kind and thread of the process: a traceback per kind at each check said
    nothing the first line did not, every two seconds, for as long as it lasted."""
    global _database_outage
    with _outage_lock:
        changed, _database_outage = _database_outage != down, down
    return changed


def _swap(kind_name: str, slot: _Slot, version_id: int) -> None:
    """Called with slot.lock held: serve `version_id` from now on; the model loads here when the slot
    serves nothing yet, else in a background thread while the old one keeps serving."""
    slot.version_id = version_id
    slot.failed_at = None
    if version_id == NO_ACTIVE_VERSION:
        # Nothing active (never trained, or every version deleted): callers fall back.
        slot.model, slot.loaded_version = None, None
        return
    try:
        kind = get_kind(kind_name)
        # Read here, in the request's thread: a loader thread would need a connection of its own.
        path = ModelVersion.objects.filter(pk=version_id).values_list("path", flat=True).first()
    except LookupError:
        logger.error("No model kind %r is registered; serving nothing for it.", kind_name)
        return
    except Exception:
        logger.warning("Could not look up %s version %s.", kind_name, version_id, exc_info=True)
        slot.version_id = _UNKNOWN  # try again at the next check
        return
    if not path:
        logger.error(
            "%s version id %s is active but has no row; serving nothing for it.", kind_name, version_id
        )
    if not path or (slot.model is None and not _first_loads_in_background):
        _install(kind_name, slot, version_id, _load(kind, path))
        return
    loader = threading.Thread(
        target=_load_in_background,
        args=(kind, slot, version_id, path),
        name=f"load-{kind_name}-{version_id}",
        daemon=True,
    )
    slot.loader = loader
    loader.start()


def _load(kind: ModelKind, path: str | None) -> tuple[Any, float]:
    started = time.monotonic()
    model = artifacts.load_artifact(path, kind) if path else None
    # A model whose first use builds more (the content model's text and image towers: seconds)
    # does it here, before it serves, so that no shopper's request builds it.
    warm = getattr(model, "warm", None)
    if callable(warm):
        try:
            warm()
        except Exception:
            logger.exception("Could not warm the %s model up; serving nothing new for it.", kind.name)
            model = None
    return model, time.monotonic() - started


def _load_in_background(kind: ModelKind, slot: _Slot, version_id: int, path: str) -> None:
    loaded = _load(kind, path)
    with slot.lock:
        # A newer activation (or a rollback) seen meanwhile has its own load; this one is stale.
        if slot.version_id == version_id:
            _install(kind.name, slot, version_id, loaded)


def _install(kind_name: str, slot: _Slot, version_id: int, loaded: tuple[Any, float]) -> None:
    """Called with slot.lock held."""
    model, seconds = loaded
    if model is None:
        slot.failed_at, slot.failed_version = time.monotonic(), version_id
        if slot.model is not None:
            logger.error(
                "Keeping %s version id %s in service: the active version id %s could not be loaded.",
                kind_name,
                slot.loaded_version,
                version_id,
            )
        return
    slot.model, slot.loaded_version, slot.failed_version = model, version_id, None
    logger.info("Serving %s version id %s (loaded in %.2f s).", kind_name, version_id, seconds)


def wait_for_loads(timeout: float | None = None) -> None:
    """Wait for the versions being loaded in the background (tests)."""
    for slot in list(_slots.values()):
        _wait_for_loader(slot, timeout)


def _wait_for_loader(slot: _Slot, timeout: float | None = None) -> None:
    with slot.lock:  # a request's version check may hold it; its load has started once it is free
        loader = slot.loader
    if loader is not None:
        loader.join(timeout)
