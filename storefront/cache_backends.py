"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Pages cache facet counts, best sellers and the category tree; when Redis goes away they must
still render from the database instead of failing with a 500. After a failure the backend skips
Redis for a short pause, so a page with several cache calls does not wait for a connection
timeout on each of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
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


# Room for far more clients than an outage sees, so that a burst of new addresses or usernames
# cannot cull the counts of those already guessing (LocMemCache culls past MAX_ENTRIES).
LOCAL_COUNTS_MAX_ENTRIES = 100_000


class CountsThroughOutages:
    """Counters that limit clients (failed logins, the throttles' request histories): in the shared
    cache, and in this process's memory while Redis is unreachable.

    The shared cache answers "nothing cached" while Redis is down, so every limit counted in it
    let every request through for as long as an outage lasted (failing open), including password
    guesses and the sign-up form's "this email has an account". Refusing everything instead would
    lock every shopper and staff member out. Counted per process meanwhile, a limit holds per web
    process (at most WEB_CONCURRENCY times the machines times it), and the shared counts take over
    again when Redis is back.
    """

    def __init__(self, name: str) -> None:
        options = {"MAX_ENTRIES": LOCAL_COUNTS_MAX_ENTRIES}
        self.local = LocMemCache(name, {"TIMEOUT": None, "OPTIONS": options})

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
