"""The Redis cache degrades to misses while Redis is unreachable, instead of failing pages."""

import logging

import pytest
from django.core.cache import caches

from storefront import cache as resilient

DEAD_REDIS = {
    "default": {
        "BACKEND": "storefront.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def test_it_is_the_configured_cache_and_works_when_redis_is_up():
    cache = caches["default"]
    assert isinstance(cache, resilient.ResilientRedisCache)
    cache.set("resilient-test", 41, 30)
    assert cache.incr("resilient-test") == 42
    assert cache.get_many(["resilient-test"]) == {"resilient-test": 42}
    assert cache.add("resilient-test", 1) is False
    cache.delete("resilient-test")
    assert cache.get("resilient-test", "gone") == "gone"


def test_with_redis_down_reads_miss_and_writes_are_dropped(settings, caplog):
    settings.CACHES = DEAD_REDIS
    cache = caches["default"]
    with caplog.at_level(logging.WARNING, logger="storefront.cache"):
        assert cache.get("anything", "default") == "default"
        cache.set("anything", 1)
        assert cache.add("anything", 1) is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.get_or_set("computed", lambda: 7) == 7
        assert cache.set_many({"a": 1}) == ["a"]
        cache.delete_many(["a"])
        with pytest.raises(ValueError, match="cache is unavailable"):
            cache.incr("counter")
    # One warning per outage, not one per call.
    assert [record.message for record in caplog.records].count(caplog.records[0].message) == 1
    assert "Redis cache unavailable" in caplog.text


def test_after_a_failure_it_leaves_redis_alone_for_a_while(settings, monkeypatch):
    settings.CACHES = DEAD_REDIS
    cache = caches["default"]
    attempts = []
    original = resilient.RedisCache.get

    def counting_get(self, *args, **kwargs):
        attempts.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(resilient.RedisCache, "get", counting_get)
    for _ in range(10):
        cache.get("key")
    assert len(attempts) == 1
    monkeypatch.setattr(resilient, "RETRY_AFTER_SECONDS", 0.0)
    cache._down_until = 0.0
    cache.get("key")
    assert len(attempts) == 2
