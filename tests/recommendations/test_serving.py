"""Serving: lazy load, per-process cache, cheap version checks, and falling back when things break."""

import dataclasses
import logging
import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection

from recommendations import serving, versions
from recommendations.models import ModelVersion
from recommendations.registry import all_kinds, register_kind, unregister_kind
from recommendations.training import training_run_execute_in_process, training_run_request
from tests.outages import (
    NOTHING_LISTENS,
    REDIS_FAIL_FAST,
    REDIS_NOWHERE,
    database_unreachable_from_this_process,
)
from tests.recommendations import dummy_kind

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("dummy_kind_registered", "dispatched"),
]
KIND = dummy_kind.KIND_NAME
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_NOWHERE,
        "OPTIONS": REDIS_FAIL_FAST,
    }
}


@pytest.fixture
def clock(monkeypatch):
    """Serving's clock, moved only by the test: intervals hold however slowly a busy machine
    trains between the checks."""
    now = [time.monotonic()]

    def advance(seconds):
        now[0] += seconds

    monkeypatch.setattr(serving, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return SimpleNamespace(advance=advance)


def train(**parameters):
    run = training_run_request(kind_name=KIND, parameters=parameters)
    training_run_execute_in_process(run_id=run.pk)
    return ModelVersion.objects.get(run=run)


def served_after_switching(kind_name=KIND):
    """What a process serves once it noticed a new version and its background load finished."""
    serving.active_model(kind_name)
    serving.wait_for_loads()
    return serving.active_model(kind_name)


def test_nothing_trained_serves_none():
    assert serving.active_model(KIND) is None


def test_it_loads_once_and_then_serves_from_memory_without_queries(django_assert_num_queries):
    train(value=1)
    assert serving.active_model(KIND)["value"] == 1
    with django_assert_num_queries(0):
        for _ in range(100):
            assert serving.active_model(KIND)["value"] == 1


def test_a_version_check_reads_the_cache_not_the_database(settings, django_assert_num_queries):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    train(value=1)
    serving.active_model(KIND)
    with django_assert_num_queries(0):
        assert serving.active_model(KIND)["value"] == 1


def test_a_newly_activated_version_is_served_after_the_check_interval(settings, clock):
    settings.SERVING_VERSION_CHECK_SECONDS = 0.3
    train(value=1)
    assert serving.active_model(KIND)["value"] == 1
    train(value=2)
    clock.advance(0.25)
    assert serving.active_model(KIND)["value"] == 1  # checked less than 0.3 s ago
    clock.advance(0.1)
    assert served_after_switching()["value"] == 2


def test_a_rollback_is_announced_to_running_processes(settings):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    first = train(value=1)
    train(value=2)
    assert serving.active_model(KIND)["value"] == 2
    versions.model_version_activate(version=first)
    assert served_after_switching()["value"] == 1


def test_with_the_cache_down_it_asks_the_database_but_rarely(settings, django_assert_num_queries, caplog):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    train(value=1)
    settings.CACHES = DEAD_REDIS
    with django_assert_num_queries(2):  # the active version's id, then its path
        assert serving.active_model(KIND)["value"] == 1
    with django_assert_num_queries(0):  # within SERVING_DB_FALLBACK_SECONDS: what is loaded keeps serving
        for _ in range(20):
            assert serving.active_model(KIND)["value"] == 1


def test_with_the_cache_down_a_new_version_arrives_through_the_database(settings):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    settings.SERVING_DB_FALLBACK_SECONDS = 0
    train(value=1)
    settings.CACHES = DEAD_REDIS
    assert serving.active_model(KIND)["value"] == 1
    train(value=2)  # its announcement fails (logged), the database still says which is active
    assert served_after_switching()["value"] == 2


def test_a_cold_cache_is_filled_from_the_database():
    version = train(value=1)
    cache.delete(serving.active_version_cache_key(KIND))
    assert serving.active_model(KIND)["value"] == 1
    assert cache.get(serving.active_version_cache_key(KIND)) == version.pk


def test_with_the_cache_cold_and_the_database_down_it_asks_rarely_and_logs_one_line_per_outage(
    settings, clock, monkeypatch, caplog
):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    train(value=1)
    assert serving.active_model(KIND)["value"] == 1
    cache.delete(serving.active_version_cache_key(KIND))  # Redis up, its key gone
    attempts = []
    connect = connection.connect
    monkeypatch.setattr(connection, "connect", lambda: attempts.append(1) or connect())
    caplog.clear()

    with database_unreachable_from_this_process(), caplog.at_level(logging.INFO, logger="recommendations"):
        for _ in range(3):
            for _ in range(10):  # checks within SERVING_DB_FALLBACK_SECONDS: no query
                assert serving.active_model(KIND)["value"] == 1
            clock.advance(settings.SERVING_DB_FALLBACK_SECONDS)
        assert len(attempts) == 3
        outage = [record for record in caplog.records if record.name == "recommendations.serving"]
        assert len(outage) == 1, caplog.text
        assert outage[0].exc_info is None
        assert "active model versions from the database (OperationalError:" in outage[0].message
        assert f"port {NOTHING_LISTENS} failed: Connection refused" in outage[0].message

    caplog.clear()
    assert serving.active_model(KIND)["value"] == 1
    assert "The database answers again" in caplog.text
    assert cache.get(serving.active_version_cache_key(KIND)) is not None  # filled again


def test_a_corrupted_active_artifact_serves_none_and_is_logged(artifacts_root, caplog):
    version = train(value=1)
    path = artifacts_root / version.path / "value.json"
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR, logger="recommendations.artifacts"):
        assert serving.active_model(KIND) is None
    assert "checksum mismatch" in caplog.text


def test_a_broken_new_version_leaves_the_loaded_one_serving(settings, artifacts_root, caplog):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    train(value=1)
    assert serving.active_model(KIND)["value"] == 1
    broken = train(value=2)
    (artifacts_root / broken.path / "value.json").unlink()
    with caplog.at_level(logging.ERROR):
        assert served_after_switching()["value"] == 1
    assert "listed in the manifest but missing" in caplog.text
    assert "Keeping test-dummy version id" in caplog.text


def test_nothing_active_or_a_version_that_failed_to_load_is_not_loading(artifacts_root):
    assert not serving.is_loading(KIND)
    assert serving.active_model(KIND) is None and not serving.is_loading(KIND)  # nothing trained
    version = train(value=1)
    (artifacts_root / version.path / "value.json").unlink()
    serving.reset()
    assert serving.active_model(KIND) is None and not serving.is_loading(KIND)
    with serving._slot(KIND).lock:  # another thread checking the version meanwhile
        assert not serving.is_loading(KIND)


def test_a_broken_version_retried_in_the_background_is_not_loading(settings, monkeypatch):
    # A web server retries a broken version every BROKEN_VERSION_RETRY_SECONDS in a loader thread:
    # meanwhile the feed told shoppers their picks would be there in a moment.
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    monkeypatch.setattr(serving, "BROKEN_VERSION_RETRY_SECONDS", 0)
    monkeypatch.setattr(serving, "_first_loads_in_background", True)  # as warm_up sets it
    retrying, may_finish = threading.Event(), threading.Event()

    def broken(path, kind):
        retrying.set()
        may_finish.wait(timeout=10)
        return None  # what load_artifact answers for a damaged version (and logs)

    monkeypatch.setattr(serving.artifacts, "load_artifact", broken)
    train(value=1)
    serving.active_model(KIND)
    may_finish.set()
    serving.wait_for_loads(timeout=10)  # the first try failed
    retrying.clear()
    may_finish.clear()
    try:
        assert serving.active_model(KIND) is None  # starts the retry
        assert retrying.wait(timeout=10)
        assert not serving.is_loading(KIND)
    finally:
        may_finish.set()
        serving.wait_for_loads(timeout=10)


def test_serving_state_says_what_this_process_serves():
    version = train(value=1)
    assert serving.serving_state(KIND) == {
        "kind": KIND,
        "active_version_id": version.pk,
        "loaded_version_id": version.pk,
        "loaded": True,
        "loading": False,
    }


def test_without_redis_processes_learn_of_new_versions_from_the_database(
    settings, django_assert_num_queries, clock
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    settings.SERVING_DB_FALLBACK_SECONDS = 0.3
    train(value=1)
    assert serving.active_model(KIND)["value"] == 1
    train(value=2)  # announced only in the training process's own memory
    clock.advance(0.25)
    with django_assert_num_queries(0):
        assert serving.active_model(KIND)["value"] == 1
    clock.advance(0.1)
    assert served_after_switching()["value"] == 2


def slow_loading_kind():
    """The dummy kind with a load that takes until `may_finish` is set (torch, a text tower)."""
    loading, may_finish = threading.Event(), threading.Event()

    def slow_load(folder, manifest):
        loading.set()
        may_finish.wait(timeout=10)
        return dummy_kind.load(folder, manifest)

    unregister_kind(KIND)
    register_kind(dataclasses.replace(dummy_kind.KIND, load=slow_load))
    return loading, may_finish


def test_a_new_version_loads_beside_the_serving_one_and_no_request_waits_for_it(settings):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    train(value=1)
    assert serving.active_model(KIND)["value"] == 1
    loading, may_finish = slow_loading_kind()  # a big artifact: checksums and index files
    train(value=2)

    assert serving.active_model(KIND)["value"] == 1  # noticed version 2, started loading it
    assert loading.wait(timeout=10)
    for _ in range(20):
        assert serving.active_model(KIND)["value"] == 1  # the old one answers meanwhile, at once
    may_finish.set()
    serving.wait_for_loads(timeout=10)
    assert serving.active_model(KIND)["value"] == 2


def test_a_kind_loading_its_first_version_serves_none_to_other_threads_at_once(settings):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    loading, may_finish = slow_loading_kind()
    train(value=1)

    def warm_up_thread():  # a worker's warm-up
        try:
            serving.active_model(KIND)
        finally:
            connection.close()

    first = threading.Thread(target=warm_up_thread)
    first.start()
    assert loading.wait(timeout=10)

    started = time.monotonic()
    assert serving.active_model(KIND) is None  # falls back instead of waiting for the load
    assert time.monotonic() - started < 5
    assert serving.is_loading(KIND)  # and can say that it is coming
    may_finish.set()
    first.join(timeout=10)
    assert serving.active_model(KIND)["value"] == 1
    assert not serving.is_loading(KIND)


class Warmable(dict):
    """A model whose first use builds more, like the content model's towers."""

    def warm(self):
        self["warmed_in"] = threading.current_thread().name


def load_warmable(folder, manifest):
    return Warmable(dummy_kind.load(folder, manifest))


def test_a_model_is_warmed_before_it_serves_whoever_loads_it(settings):
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    unregister_kind(KIND)
    register_kind(dataclasses.replace(dummy_kind.KIND, load=load_warmable))
    train(value=1)
    assert serving.active_model(KIND)["warmed_in"] == threading.current_thread().name
    train(value=2)
    new = served_after_switching()
    assert new["value"] == 2
    assert new["warmed_in"] == f"load-{KIND}-{ModelVersion.objects.active().get(kind=KIND).pk}"


def test_a_model_that_cannot_warm_up_is_not_served(settings, caplog):
    class Broken(dict):
        def warm(self):
            raise RuntimeError("the text tower's weights are missing")

    unregister_kind(KIND)
    register_kind(dataclasses.replace(dummy_kind.KIND, load=lambda folder, manifest: Broken()))
    train(value=1)
    assert serving.active_model(KIND) is None
    assert f"Could not warm the {KIND} model up" in caplog.text


def test_warm_up_loads_every_kind_each_in_its_own_thread(monkeypatch, caplog):
    loaded_in: dict[str, str] = {}

    def active_model(name):
        loaded_in[name] = threading.current_thread().name
        if name == KIND:
            raise RuntimeError("a broken artifact")

    monkeypatch.setattr(serving, "active_model", active_model)
    monkeypatch.setattr(serving, "_first_loads_in_background", False)  # warm_up sets it; restored
    with caplog.at_level(logging.INFO, logger="recommendations.serving"):
        serving.warm_up().join(timeout=10)

    assert loaded_in == {kind.name: f"warm-up-{kind.name}" for kind in all_kinds()}
    assert f"Could not load the {KIND} model at start" in caplog.text  # and the others still were
    assert serving.WARM_UP_FINISHED in caplog.text


def test_on_a_web_server_no_request_loads_even_a_first_version_itself(settings, monkeypatch):
    # A kind's first activation on a running shop: the request that noticed it loaded the model
    # (up to 20 s for the content model) while its shopper waited.
    settings.SERVING_VERSION_CHECK_SECONDS = 0
    monkeypatch.setattr(serving, "_first_loads_in_background", True)  # as warm_up sets it
    loading, may_finish = slow_loading_kind()
    train(value=1)

    started = time.monotonic()
    assert serving.active_model(KIND) is None  # falls back at once
    assert time.monotonic() - started < 5
    assert loading.wait(timeout=10)  # while another thread loads
    assert serving.is_loading(KIND)
    may_finish.set()
    serving.wait_for_loads(timeout=10)
    assert serving.active_model(KIND)["value"] == 1


def test_warm_up_finishes_once_the_models_are_loaded(settings, monkeypatch, caplog):
    monkeypatch.setattr(serving, "_first_loads_in_background", False)  # warm_up sets it; restored
    loading, may_finish = slow_loading_kind()
    train(value=1)

    with caplog.at_level(logging.INFO, logger="recommendations.serving"):
        waiter = serving.warm_up()
        assert loading.wait(timeout=10)
        waiter.join(timeout=0.5)
        assert serving.WARM_UP_FINISHED not in caplog.text  # the load goes on in the background
        may_finish.set()
        waiter.join(timeout=10)
    assert serving.WARM_UP_FINISHED in caplog.text
    assert serving.active_model(KIND)["value"] == 1
