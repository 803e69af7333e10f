"""A Redis cache that degrades to "always a miss" while Redis is unreachable.

Everything the shop caches (the category tree, best sellers, throttle counters, the active model
versions) can be recomputed from the database, so a Redis outage should make pages slower, never
make them fail. Django's RedisCache raises ConnectionError on every call instead; this subclass
answers reads with a miss and drops writes, and after a failure leaves Redis alone for
RETRY_AFTER_SECONDS, so that an unreachable (not just refusing) host does not cost every cache
call its connect timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis.exceptions
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0
_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
T = TypeVar("T")


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _guard(self, call: Callable[[], T], fallback: T) -> T:
        if not self.available:
            return fallback
        try:
            return call()
        except _UNAVAILABLE as error:
            with self._lock:
                first = self.available
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            if first:
                logger.warning(
                    "Redis cache unavailable (%s); serving without it for %.0f s.", error, RETRY_AFTER_SECONDS
                )
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guard(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        def increment() -> int | None:
            return super(ResilientRedisCache, self).incr(key, delta, version)

        result = self._guard(increment, None)
        if result is None:
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).")
        return result

    def clear(self) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).clear(), None)
