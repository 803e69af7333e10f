import time

from storefront.cache_backends import ResilientRedisCache

# Nothing listens on port 1: connecting fails at once, as when Redis is down.
UNREACHABLE = "redis://127.0.0.1:1/0"
OPTIONS = {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}


def unreachable_cache() -> ResilientRedisCache:
    ResilientRedisCache._down_until = 0.0
    return ResilientRedisCache(UNREACHABLE, OPTIONS)


def test_it_answers_nothing_cached_while_redis_is_unreachable():
    cache = unreachable_cache()
    assert cache.get("facets", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("facets", [1, 2])
    assert cache.add("facets", 1) is False
    assert cache.is_down()


def test_after_a_failure_it_stops_trying_for_a_while():
    cache = unreachable_cache()
    cache.get("first")
    started = time.monotonic()
    for _ in range(100):
        cache.get("again")
    # 100 calls without a connection attempt each: far below even one connect timeout apiece.
    assert time.monotonic() - started < 0.5


def test_it_caches_normally_when_redis_is_up(settings):
    ResilientRedisCache._down_until = 0.0
    cache = ResilientRedisCache(settings.REDIS_URL, OPTIONS)
    cache.set("resilient-cache-test", {"n": 1}, timeout=10)
    assert cache.get("resilient-cache-test") == {"n": 1}
    assert not cache.is_down()
    cache.delete("resilient-cache-test")


def test_bulk_writes_and_lookups_do_not_raise_while_redis_is_unreachable():
    cache = unreachable_cache()
    cache.set_many({"a": 1, "b": 2})
    cache.delete_many(["a", "b"])
    assert cache.has_key("a") is False
