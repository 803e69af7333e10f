import time

import pytest

from storefront import cache_backends
from storefront.cache_backends import LocalCounts, LocalCountsFull, ResilientRedisCache
from tests.outages import REDIS_FAIL_FAST, REDIS_NOWHERE

# Nothing listens there: connecting fails at once, as when Redis is down.
UNREACHABLE = REDIS_NOWHERE
OPTIONS = {"OPTIONS": REDIS_FAIL_FAST}


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


def test_full_of_live_counts_it_refuses_a_new_key_and_keeps_every_count():
    counts = LocalCounts("test counts", max_entries=3)
    for key in ("a", "b", "c"):
        counts.set(key, 1, timeout=60)

    with pytest.raises(LocalCountsFull) as full:
        counts.add("d", 1, timeout=60)

    assert 59 < full.value.retry_after <= 60
    assert [counts.get(key) for key in ("a", "b", "c", "d")] == [1, 1, 1, None]
    # Those it counts go on being counted.
    assert counts.incr("a") == 2
    counts.set("b", [1.0, 2.0], timeout=60)
    assert counts.get("b") == [1.0, 2.0]


def test_a_store_that_was_full_makes_room_again_once_a_count_is_deleted():
    # A successful login deletes its username's count. The store remembered that it was full until
    # its first count then expired, and refused new keys till that time without looking, though the
    # room had been taken by a count that had expired since.
    counts = LocalCounts("test counts", max_entries=2)
    counts.set("a", 1, timeout=60)
    counts.set("b", 1, timeout=60)
    with pytest.raises(LocalCountsFull):
        counts.add("c", 1, timeout=60)

    counts.delete("a")
    counts.add("short", 1, timeout=0.05)
    time.sleep(0.1)

    assert counts.add("c", 1, timeout=60)
    assert [counts.get("b"), counts.get("c")] == [1, 1]


def test_expired_counts_make_room_though_never_read_again():
    counts = LocalCounts("test counts", max_entries=2)
    counts.set("gone-1", 1, timeout=0.05)
    counts.set("gone-2", 1, timeout=0.05)
    time.sleep(0.1)

    counts.add("new-1", 1, timeout=60)
    counts.add("new-2", 1, timeout=60)

    assert [counts.get("new-1"), counts.get("new-2")] == [1, 1]


def test_a_count_stored_without_a_timeout_expires_too(monkeypatch):
    monkeypatch.setattr(cache_backends, "LOCAL_COUNTS_DEFAULT_TIMEOUT", 0.05)
    counts = LocalCounts("test counts")
    counts.set("default", 1)
    counts.set("forever", 1, timeout=None)
    time.sleep(0.1)

    assert counts.get("default") is None and counts.get("forever") is None


def test_what_a_caller_changes_in_a_count_it_read_is_not_stored():
    counts = LocalCounts("test counts")
    counts.set("history", [2.0, 1.0], timeout=60)

    counts.get("history").insert(0, 3.0)

    assert counts.get("history") == [2.0, 1.0]
