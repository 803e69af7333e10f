"""Faults the training backbone must survive: a real Redis, a real Celery worker, a real web process."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
import time

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.authtoken.models import Token

from recommendations import serving, training
from recommendations.models import ModelVersion, TrainingRun
from recommendations.training import RunAlreadyInProgress, training_run_request
from tests.factories import ArticleFactory, PurchaseFactory, StaffUserFactory
from tests.live_processes import STALE_SECONDS, HttpSession, LiveProcess, process_env, wait_for_run
from tests.outages import REDIS_NOWHERE
from tests.recommendations import dummy_kind

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.usefixtures("dummy_kind_registered")]
KIND = dummy_kind.KIND_NAME
# A killed worker's run must be failed within the stale limit plus a few heartbeats and polls.
FAILED_WITHIN_SECONDS = STALE_SECONDS + 5
# A running web process checks the active version every SERVING_VERSION_CHECK_SECONDS (2 s).
PICKED_UP_WITHIN_SECONDS = 5


def trigger(**parameters) -> TrainingRun:
    return training_run_request(kind_name=KIND, parameters=parameters)


def test_runs_and_fanned_out_runs_go_through_the_worker(celery_worker):
    plain = wait_for_run(trigger(value=1).pk, ("succeeded", "failed"))
    assert plain.status == "succeeded", plain.error
    fanned = wait_for_run(trigger(value=2, chunks=3).pk, ("succeeded", "failed"))
    assert fanned.status == "succeeded", fanned.error
    assert (fanned.chunks_total, fanned.chunks_done) == (3, 3)
    assert serving.active_model(KIND) == {
        "value": 2,
        "chunks_seen": ["chunk-0", "chunk-1", "chunk-2"],
        "attempts": 1,
        "load_sleep": 0.0,
    }


def test_a_worker_killed_mid_run_leaves_the_old_version_serving_and_the_next_run_succeeds(celery_worker):
    first = wait_for_run(trigger(value=1).pk, ("succeeded",))
    assert serving.active_model(KIND)["value"] == 1

    doomed = trigger(value=2, sleep=60)
    wait_for_run(doomed.pk, ("running",))
    deadline = time.monotonic() + 10
    while TrainingRun.objects.get(pk=doomed.pk).progress == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    celery_worker.kill()  # SIGKILL to the worker and its pool process: no chance to clean up
    killed_at = time.monotonic()

    # Serving never noticed: the previously active version is still the active one.
    assert ModelVersion.objects.get(is_active=True).run_id == first.pk
    assert serving.active_model(KIND)["value"] == 1

    # Beat's sweep (called here directly) fails the silent run within a bounded time.
    while training.training_runs_fail_stale() == 0:
        assert time.monotonic() - killed_at < FAILED_WITHIN_SECONDS, "the killed run was never failed"
        time.sleep(0.25)
    doomed.refresh_from_db()
    assert doomed.status == "failed"
    assert doomed.message == "Worker lost"
    assert "probably killed" in doomed.error
    assert not ModelVersion.objects.filter(run=doomed).exists()

    celery_worker.ensure_running()
    after = wait_for_run(trigger(value=3).pk, ("succeeded", "failed"))
    assert after.status == "succeeded", after.error
    wait_until(lambda: serving.active_model(KIND)["value"] == 3, PICKED_UP_WITHIN_SECONDS)


def test_a_run_raising_in_the_worker_is_failed_with_its_error_and_activates_nothing(celery_worker):
    good = wait_for_run(trigger(value=1).pk, ("succeeded",))
    bad = wait_for_run(trigger(fail="the warehouse is on fire").pk, ("succeeded", "failed"))
    assert bad.status == "failed"
    assert bad.message == "RuntimeError: the warehouse is on fire"
    assert "Traceback" in bad.error
    assert ModelVersion.objects.get(is_active=True).run_id == good.pk


def test_two_triggers_at_once_never_make_two_runs_of_a_kind(celery_worker):
    barrier = threading.Barrier(2)
    started: list[TrainingRun] = []
    refused: list[str] = []

    def press_the_button() -> None:
        from django.db import connection

        barrier.wait()
        try:
            started.append(trigger(value=5, sleep=1))
        except RunAlreadyInProgress as error:
            refused.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=press_the_button) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(started) == 1
    assert len(refused) == 1
    assert "already in progress" in refused[0]
    with pytest.raises(RunAlreadyInProgress):
        trigger()  # still refused while the first one runs
    assert wait_for_run(started[0].pk, ("succeeded", "failed")).status == "succeeded"
    assert TrainingRun.objects.filter(kind=KIND).count() == 1
    assert wait_for_run(trigger().pk, ("succeeded", "failed")).status == "succeeded"


def staff_with_session_and_token():
    staff = StaffUserFactory(username="olga_ops")
    client = Client()
    client.force_login(staff)
    return {"sessionid": client.cookies["sessionid"].value}, Token.objects.create(user=staff).key


def shop_with_sales() -> None:
    article = ArticleFactory(prod_name="Best seller")
    for day in range(3):
        PurchaseFactory(article=article, t_dat=dt.date(2020, 9, 20) + dt.timedelta(days=day))


def test_with_redis_unreachable_pages_render_and_triggering_says_the_queue_is_unavailable(
    celery_worker, start_web, artifacts_root
):
    shop_with_sales()
    trained = wait_for_run(training_run_request(kind_name="trending").pk, ("succeeded", "failed"))
    assert trained.status == "succeeded", trained.error
    # And the artifact on disk is corrupted, for good measure: still no 500.
    version = ModelVersion.objects.get(kind="trending", is_active=True)
    (artifacts_root / version.path / "overall_scores.npy").write_bytes(b"\x93NUMPY garbage")
    cookies, token = staff_with_session_and_token()

    web = start_web(REDIS_URL=REDIS_NOWHERE)
    browser = HttpSession(web.base_url, cookies=cookies)
    api = HttpSession(web.base_url, token=token)

    assert browser.get("/admin/recommendations/trainingrun/").status == 200
    assert api.get("/api/v1/training-runs/").status == 200
    served = api.get("/api/v1/model-versions/serving/?kind=trending")
    assert served.status == 200
    assert served.json() == {
        "kind": "trending",
        "active_version_id": version.pk,
        "loaded_version_id": None,
        "loaded": False,
        "loading": False,
    }
    assert "Not loading the trending model" in web.log()
    assert "overall_scores.npy" in web.log()
    try:
        home = reverse("catalog:home")
    except NoReverseMatch:
        home = None  # the storefront's pages are not merged in yet
    if home is not None:
        assert browser.get(home).status == 200

    started = time.monotonic()
    response = api.request("POST", "/api/v1/training-runs/", json_body={"kind": KIND})
    assert response.status == 503
    assert response.json()["detail"].startswith("The task queue is unavailable")
    assert time.monotonic() - started < 5  # it says so promptly instead of hanging
    page = browser.post_form(
        "/admin/recommendations/trainingrun/", "/admin/recommendations/trainingrun/train/", {"kind": KIND}
    )
    assert page.status == 200
    assert "The task queue is unavailable" in page.text
    assert not TrainingRun.objects.filter(kind=KIND, status__in=TrainingRun.IN_PROGRESS).exists()
    assert "Internal Server Error" not in web.log()


def test_a_version_activated_by_the_worker_is_served_by_a_running_web_process_within_seconds(
    celery_worker, start_web
):
    shop_with_sales()
    _, token = staff_with_session_and_token()
    web = start_web()
    api = HttpSession(web.base_url, token=token)

    def served_version() -> int | None:
        return api.get("/api/v1/model-versions/serving/?kind=trending").json()["loaded_version_id"]

    assert served_version() is None
    served = []
    for _ in range(2):
        response = api.request("POST", "/api/v1/training-runs/", json_body={"kind": "trending"})
        assert response.status == 202, response.text
        run = wait_for_run(response.json()["id"], ("succeeded", "failed"))
        assert run.status == "succeeded", run.error
        version = ModelVersion.objects.get(run=run)
        while served_version() != version.pk:
            assert time.monotonic() - _activated(version) < PICKED_UP_WITHIN_SECONDS, "not picked up in time"
            time.sleep(0.1)
        served.append(version.version)
    assert served[1] > served[0]


def test_a_web_worker_loads_the_active_models_before_its_first_request(celery_worker, start_web):
    shop_with_sales()
    trained = wait_for_run(training_run_request(kind_name="trending").pk, ("succeeded", "failed"))
    assert trained.status == "succeeded", trained.error
    version = ModelVersion.objects.get(run=trained)

    web = start_web()

    # It has only answered the login page (to show it is up), which shows no model.
    assert f"Serving trending version id {version.pk}" in web.log()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_with_sigkill_takes_its_embedded_beat_with_it(shared_artifacts_root, tmp_path):
    command = [sys.executable, "-m", "celery", "-A", "workers", "worker", "--beat", "-Q", "housekeeping"]
    command += ["--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    command += ["-s", str(tmp_path / "beat-schedule"), "-n", f"beat-test-{os.getpid()}@%h"]
    worker = LiveProcess("worker", command, process_env(shared_artifacts_root), tmp_path / "worker.log")
    worker.start()
    assert worker.process is not None
    group = worker.process.pid  # its own session: the group holds the worker, its pool and beat
    try:
        wait_until(lambda: "beat: Starting..." in worker.log() and " ready." in worker.log(), timeout=60)
        os.kill(worker.process.pid, signal.SIGKILL)  # the main process alone, as the OOM killer does
        worker.process.wait(timeout=5)

        def all_ended() -> bool:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return True
            return False

        wait_until(all_ended, timeout=10)
    finally:
        if not all_ended():
            os.killpg(group, signal.SIGKILL)
        from workers.celery import app

        app.control.purge()


def _activated(version):
    """The activation moment on this process's monotonic clock."""
    from django.utils import timezone

    age = (timezone.now() - version.activated_at).total_seconds()
    return time.monotonic() - age


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)
