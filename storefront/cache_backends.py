"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Pages cache facet counts, best sellers and the category tree; when Redis goes away they must
still render from the database instead of failing with a 500. After a failure the backend skips
Redis for a short pause, so a page with several cache calls does not wait for a connection
timeout on each of them.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Long enough to spare a burst of requests the connect timeout, short enough to notice recovery.
RETRY_AFTER_SECONDS = 5.0

T = TypeVar("T")


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _guard(self, operation: Callable[[], T], fallback: T) -> T:
        if self.is_down():
            return fallback
        try:
            return operation()
        except (RedisError, OSError):
            # Class-wide: every alias and thread of this process shares one view of Redis.
            ResilientRedisCache._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("Redis cache unreachable; serving without cache for %ss.", RETRY_AFTER_SECONDS)
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # Fails open: while Redis is down nothing is counted, so throttles let requests through.
        return self._guard(lambda: super(ResilientRedisCache, self).incr(key, delta, version), 0)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), [])

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)


def shared_cache_down() -> bool:
    """Whether the last call on the shared cache found Redis unreachable (ResilientRedisCache)."""
    is_down = getattr(cache, "is_down", None)
    return bool(is_down is not None and is_down())


# Per limit (each CountsThroughOutages has its own store). A web process serves some tens of requests
# a second, so it sees far fewer clients than this in a limit's window (a minute for searches, an
# hour for sign-ups, 15 minutes for logins); at the cap a store of search histories (120 times, ~1 KB
# pickled) holds some 13 MB.
LOCAL_COUNTS_MAX_ENTRIES = 10_000
# For a count stored without a timeout: the longest window a DRF rate can have ("/day").
LOCAL_COUNTS_DEFAULT_TIMEOUT = 24 * 60 * 60


class LocalCountsFull(Exception):
    """A store of LocalCounts is full of live counts: a client it does not count yet is refused."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"full of live counts for {retry_after:.0f}s more")
        self.retry_after = retry_after  # seconds until its first count expires


class LocalCounts:
    """One process's counts for one limit, while Redis is unreachable: a cache's get, set, add, incr
    and delete, whose entries all expire (LOCAL_COUNTS_DEFAULT_TIMEOUT at the latest).

    Bounded, and full it fails closed: a new key is refused (LocalCountsFull) once the expired
    entries are dropped and it still holds `max_entries`. Django's LocMemCache, which it replaces,
    made room by evicting the least recently used third, live counts included: a flood of new
    addresses (IPv6 gives anyone many /64s) flushed the count of a client that was at its limit,
    which could then go on.
    """

    def __init__(self, name: str, max_entries: int = LOCAL_COUNTS_MAX_ENTRIES) -> None:
        self.name = name
        self.max_entries = max_entries
        # key -> (monotonic expiry, pickled value): pickled as LocMemCache does, so that a caller
        # changing what it got (DRF's throttles edit their history list) changes no stored count.
        self._entries: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()
        # While full of live entries, a purge frees nothing before the first of them expires.
        self._full_until = 0.0

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._live(key)
        return default if entry is None else pickle.loads(entry[1])  # noqa: S301 (pickled here, below)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None:
        with self._lock:
            self._store(key, value, self._expiry(timeout))

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._store(key, value, self._expiry(timeout))
            return True

    def incr(self, key: str, delta: int = 1) -> int:
        """As a cache's: ValueError for a key it does not hold; the expiry stays."""
        with self._lock:
            entry = self._live(key)
            if entry is None:
                raise ValueError(f"Key '{key}' not found")
            value: int = pickle.loads(entry[1]) + delta  # noqa: S301 (pickled here)
            self._entries[key] = (entry[0], pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
            return value

    def delete(self, key: str) -> None:
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self._full_until = 0.0  # room again: a new key no longer waits for an expiry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._full_until = 0.0

    def _live(self, key: str) -> tuple[float, bytes] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] <= time.monotonic():
            del self._entries[key]
            return None
        return entry

    @staticmethod
    def _expiry(timeout: Any) -> float:
        # None ("forever" to a Django cache) too: nothing here outlives its longest window.
        seconds = LOCAL_COUNTS_DEFAULT_TIMEOUT if timeout in (DEFAULT_TIMEOUT, None) else timeout
        return time.monotonic() + min(float(seconds), LOCAL_COUNTS_DEFAULT_TIMEOUT)

    def _store(self, key: str, value: Any, expiry: float) -> None:
        if key not in self._entries and len(self._entries) >= self.max_entries:
            self._make_room()
        self._entries[key] = (expiry, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))

    def _make_room(self) -> None:
        now = time.monotonic()
        if now < self._full_until:
            raise LocalCountsFull(self._full_until - now)
        # Expired entries stay until read (a client that never came back) or dropped here.
        self._entries = {key: entry for key, entry in self._entries.items() if entry[0] > now}
        if len(self._entries) >= self.max_entries:
            self._full_until = min(expiry for expiry, _value in self._entries.values())
            logger.warning("Counts of %s full (%d live): new clients refused.", self.name, len(self._entries))
            raise LocalCountsFull(self._full_until - now)


class CountsThroughOutages:
    """Counters that limit clients (failed logins, the throttles' request histories): in the shared
    cache, and in this process's memory while Redis is unreachable.

    The shared cache answers "nothing cached" while Redis is down, so every limit counted in it
    let every request through for as long as an outage lasted (failing open), including password
    guesses and the sign-up form's "this email has an account". Refusing everything instead would
    lock every shopper and staff member out. Counted per process meanwhile, a limit holds per web
    process (at most WEB_CONCURRENCY times the machines times it), and the shared counts take over
    again when Redis is back.

    One per limit, so that a flood counted by one (searches) cannot fill the store of another
    (sign-ups). Writing a client new to a full store raises LocalCountsFull: the caller refuses it,
    or holds it to another limit that still counts it (a username at login, to its address's).
    """

    # Every one made, so that tests can forget this process's counts (local_counts_clear).
    made: ClassVar[list[CountsThroughOutages]] = []

    def __init__(self, name: str) -> None:
        self.local = LocalCounts(name)
        CountsThroughOutages.made.append(self)

    def get(self, key: str, default: Any = None) -> Any:
        shared = cache.get(key, default)
        return self.local.get(key, default) if shared_cache_down() else shared

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None:
        cache.set(key, value, timeout)
        if shared_cache_down():
            self.local.set(key, value, timeout)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        added = cache.add(key, value, timeout)
        return self.local.add(key, value, timeout) if shared_cache_down() else added

    def incr(self, key: str, delta: int = 1) -> int:
        """As the cache's: ValueError for a key it does not hold."""
        value = cache.incr(key, delta)
        return self.local.incr(key, delta) if shared_cache_down() else value

    def decr(self, key: str, delta: int = 1) -> int:
        return self.incr(key, -delta)

    def delete(self, key: str) -> None:
        cache.delete(key)
        self.local.delete(key)


def local_counts_clear() -> None:
    """Forgets every count this process kept while Redis was unreachable."""
    for counts in CountsThroughOutages.made:
        counts.local.clear()
