"""The training backbone, step by step in this process (the worker tests run the same steps in Celery)."""

import dataclasses
import datetime as dt
import os
import threading
import time

import pytest
from django.db import OperationalError, connection
from django.db.backends.signals import connection_created
from django.utils import timezone

from recommendations import artifacts, registry, serving, training, versions
from recommendations.artifacts import ArtifactError
from recommendations.heartbeat import RunHeartbeat
from recommendations.models import ModelVersion, TrainingRun, TrainingSchedule
from recommendations.training import (
    RunAlreadyInProgress,
    training_run_execute_in_process,
    training_run_request,
)
from storefront import web_connections
from tests.recommendations import dummy_kind
from tests.test_db_locks import other_connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("dummy_kind_registered", "dispatched"),
]
KIND = dummy_kind.KIND_NAME


def train(**parameters):
    run = training_run_request(kind_name=KIND, parameters=parameters)
    training_run_execute_in_process(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_a_successful_run_publishes_and_activates_a_version(dispatched, artifacts_root):
    run = train(value=4)
    assert dispatched == [run.pk]
    assert run.status == "succeeded"
    assert run.progress == 100
    assert run.metrics == {"value": 4.0, "chunks_seen": 0.0}
    assert run.started_at <= run.finished_at
    version = ModelVersion.objects.get()
    assert version.run == run
    assert version.is_active
    assert version.manifest["metrics"] == run.metrics
    assert (artifacts_root / version.path / "manifest.json").exists()
    assert serving.active_model(KIND) == {"value": 4, "chunks_seen": [], "attempts": 1, "load_sleep": 0.0}


def test_a_run_that_raises_is_failed_with_its_error_and_activates_nothing(artifacts_root):
    good = train(value=1)
    bad = train(fail="the data is on fire")
    assert bad.status == "failed"
    assert bad.message == "RuntimeError: the data is on fire"
    assert "Traceback" in bad.error
    assert "the data is on fire" in bad.error
    assert ModelVersion.objects.get(is_active=True).run == good
    assert ModelVersion.objects.count() == 1
    # Its workdir went with it.
    assert [path.name for path in (artifacts_root / KIND).iterdir()] == ["v0001"]


def test_a_second_trigger_while_one_is_in_progress_is_refused():
    first = training_run_request(kind_name=KIND)
    with pytest.raises(
        RunAlreadyInProgress, match=rf"run #{first.pk} is queued \(0%\)\. Wait for it to finish or cancel it"
    ):
        training_run_request(kind_name=KIND)
    assert TrainingRun.objects.count() == 1


def test_simultaneous_triggers_never_create_two_runs_of_a_kind():
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def trigger() -> None:
        from django.db import connection

        barrier.wait()
        try:
            training_run_request(kind_name=KIND)
            outcomes.append("started")
        except RunAlreadyInProgress:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=trigger) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "started"]
    assert TrainingRun.objects.filter(kind=KIND).count() == 1


def test_other_kinds_may_train_at_the_same_time():
    training_run_request(kind_name=KIND)
    training_run_request(kind_name="trending")
    assert TrainingRun.objects.in_progress().count() == 2


def test_a_cancelled_queued_run_never_starts():
    run = training_run_request(kind_name=KIND)
    assert "cancelled before it started" in training.training_run_cancel(run=run)
    training_run_execute_in_process(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert not ModelVersion.objects.exists()


def test_a_running_run_stops_when_cancelled_and_activates_nothing(settings):
    settings.TRAINING_HEARTBEAT_SECONDS = 0.2
    run = training_run_request(kind_name=KIND, parameters={"sleep": 20})
    worker = run_in_thread(run.pk)
    # Its training step executes (its progress says "Sleeping"). Not just any step: the dummy kind
    # plans first, and a cancel that came as planning ended found the run between its steps and
    # ended it there (the next test but one), which happened under load.
    wait_for(lambda: TrainingRun.objects.filter(pk=run.pk, steps_running__gt=0, message="Sleeping").exists())
    assert "will stop at its next check" in training.training_run_cancel(run=run)
    worker.join(timeout=10)
    assert not worker.is_alive()
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert run.finished_at is not None
    assert not ModelVersion.objects.exists()


def test_a_cancel_that_comes_as_training_ends_stops_the_run_where_it_was(monkeypatch, artifacts_root):
    """The heartbeat reads the cancel flag every few seconds: staff who cancel in the last of
    them see the run cancelled where it stopped, not at 100% after a pointless publish."""

    def cancelled_at_the_end(ctx):
        ctx.progress(70, "Almost there")
        training.training_run_cancel(run=ctx.run)
        return dummy_kind.train(ctx)  # its last check still reads the flag as it was

    replaced = dataclasses.replace(dummy_kind.KIND, train=cancelled_at_the_end)
    monkeypatch.setitem(registry._kinds, KIND, replaced)
    run = train()
    assert run.status == "cancelled"
    assert run.progress == 70
    assert not ModelVersion.objects.exists()
    assert not any((artifacts_root / KIND).iterdir())


def test_a_run_between_its_steps_is_cancelled_at_once():
    run = training_run_request(kind_name=KIND, dispatch=False)
    TrainingRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now(), steps_running=0)
    assert "was cancelled; nothing from it will be activated" in training.training_run_cancel(run=run)
    run.refresh_from_db()
    assert (run.status, run.message) == ("cancelled", "Cancelled between its steps")
    assert run.finished_at is not None


def test_progress_reaches_the_database_while_a_run_goes(settings):
    settings.TRAINING_HEARTBEAT_SECONDS = 0.2
    run = training_run_request(kind_name=KIND, parameters={"sleep": 2.5})
    worker = run_in_thread(run.pk)
    wait_for(lambda: 0 < TrainingRun.objects.get(pk=run.pk).progress < 100)
    assert TrainingRun.objects.get(pk=run.pk).message == "Sleeping"
    worker.join(timeout=10)
    assert TrainingRun.objects.get(pk=run.pk).status == "succeeded"


def test_a_run_whose_worker_stopped_beating_is_failed_and_releases_the_lock(settings):
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running",
        started_at=timezone.now(),
        heartbeat_at=timezone.now() - dt.timedelta(seconds=61),
        steps_running=1,  # a step began, and its worker stopped beating
    )
    assert training.training_runs_fail_stale() == 1
    run.refresh_from_db()
    assert run.status == "failed"
    assert "no heartbeat for over 60 s" in run.error
    assert "the previous version keeps serving" in run.error
    assert train().status == "succeeded"


def test_the_log_names_each_run_the_sweep_failed_and_why(caplog):
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running", heartbeat_at=timezone.now() - dt.timedelta(seconds=61), steps_running=1
    )
    with caplog.at_level("WARNING", logger="recommendations.training"):
        assert training.training_runs_fail_stale() == 1
    assert f"Failed {KIND} training run #{run.pk} (Worker lost): The worker stopped reporting" in caplog.text


def test_a_run_whose_next_steps_wait_in_the_queue_is_not_taken_for_lost(settings):
    run = training_run_request(kind_name=KIND)
    quiet_since = timezone.now() - dt.timedelta(minutes=5)  # behind another kind's long run
    TrainingRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=quiet_since, steps_running=0)

    assert training.training_runs_fail_stale() == 0
    assert TrainingRun.objects.get(pk=run.pk).status == "running"

    settings.TRAINING_QUEUED_TIMEOUT_SECONDS = 60  # but not for ever
    assert training.training_runs_fail_stale() == 1
    run.refresh_from_db()
    assert (run.status, run.message) == ("failed", "Never continued")


def executing_another_run():
    """A run of another kind with a step executing: a worker busy with training."""
    other = training_run_request(kind_name="trending")
    TrainingRun.objects.filter(pk=other.pk).update(
        status="running", heartbeat_at=timezone.now(), steps_running=1
    )
    return other


def past_the_unclaimed_limit(settings):
    return timezone.now() - dt.timedelta(seconds=settings.TRAINING_UNCLAIMED_SECONDS + 60)


def test_a_run_whose_next_step_no_worker_takes_while_none_is_busy_is_failed_and_frees_its_kind(settings):
    run = training_run_request(kind_name=KIND)
    quiet_since = past_the_unclaimed_limit(settings)
    TrainingRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=quiet_since, steps_running=0)

    assert training.training_runs_fail_stale() == 1
    run.refresh_from_db()
    assert (run.status, run.message) == ("failed", "Never continued")
    assert training_run_request(kind_name=KIND).status == "queued"


def test_a_run_whose_next_step_waits_behind_a_busy_worker_keeps_waiting(settings):
    run = training_run_request(kind_name=KIND)
    executing_another_run()
    quiet_since = timezone.now() - dt.timedelta(seconds=settings.TRAINING_UNCLAIMED_SECONDS * 10)
    TrainingRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=quiet_since, steps_running=0)

    assert training.training_runs_fail_stale() == 0
    assert TrainingRun.objects.get(pk=run.pk).status == "running"


def test_a_queued_run_no_worker_takes_while_none_is_busy_is_failed_and_frees_its_kind(settings):
    run = training_run_request(kind_name=KIND)
    waiting = timezone.now() - dt.timedelta(seconds=settings.TRAINING_UNCLAIMED_SECONDS - 60)
    TrainingRun.objects.filter(pk=run.pk).update(created_at=waiting)
    assert training.training_runs_fail_stale() == 0

    TrainingRun.objects.filter(pk=run.pk).update(created_at=waiting - dt.timedelta(seconds=120))
    assert training.training_runs_fail_stale() == 1
    run.refresh_from_db()
    assert (run.status, run.message) == ("failed", "Never started")
    assert "is a Celery worker consuming the `training` queue?" in run.error
    assert training_run_request(kind_name=KIND).status == "queued"


def test_a_run_that_ended_without_starting_kept_no_worker_busy(settings):
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(
        created_at=past_the_unclaimed_limit(settings)
    )
    other = training_run_request(kind_name="trending")
    training.training_run_cancel(run=other)  # ended just now, never taken by a worker

    assert training.training_runs_fail_stale() == 1
    assert TrainingRun.objects.get(pk=run.pk).message == "Never started"


def test_the_sweep_leaves_a_run_a_worker_claimed_after_it_was_read(settings, monkeypatch):
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(
        created_at=past_the_unclaimed_limit(settings)
    )
    stale_error = training._stale_error

    def claimed_meanwhile(reason, heartbeat_at):
        TrainingRun.objects.filter(pk=run.pk).update(
            status="running", started_at=timezone.now(), heartbeat_at=timezone.now(), steps_running=1
        )
        return stale_error(reason, heartbeat_at)

    monkeypatch.setattr(training, "_stale_error", claimed_meanwhile)
    assert training.training_runs_fail_stale() == 0
    assert TrainingRun.objects.get(pk=run.pk).status == "running"


def test_a_queued_run_behind_another_kinds_run_waits_for_the_busy_worker(settings):
    run = training_run_request(kind_name=KIND)
    other = executing_another_run()
    long_ago = timezone.now() - dt.timedelta(seconds=settings.TRAINING_UNCLAIMED_SECONDS * 10)
    TrainingRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    assert training.training_runs_fail_stale() == 0

    # The busy worker just finished the other run and is about to claim this one.
    TrainingRun.objects.filter(pk=other.pk).update(status="succeeded", finished_at=timezone.now())
    assert training.training_runs_fail_stale() == 0
    assert TrainingRun.objects.get(pk=run.pk).status == "queued"


def test_staff_are_told_plainly_that_no_worker_has_taken_a_queued_run():
    run = training_run_request(kind_name=KIND)
    assert run.waiting_note() == ""  # a worker takes it within seconds
    queued_at = timezone.now() - dt.timedelta(minutes=3, seconds=5)
    TrainingRun.objects.filter(pk=run.pk).update(created_at=queued_at)
    run.refresh_from_db()
    assert run.waiting_note() == (
        "Waiting for a worker for 3 min: behind another run, "
        "or no Celery worker is consuming the `training` queue."
    )


def test_cancelling_a_run_between_its_steps_ends_it_at_once():
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now())

    assert "was cancelled" in training.training_run_cancel(run=run)
    assert TrainingRun.objects.get(pk=run.pk).status == "cancelled"


def test_a_run_asked_to_cancel_says_so_while_its_step_goes_on_reporting_progress(settings):
    # Staff clicked Cancel and were told it stops at its next check, then the list and the run's
    # page went back to the step's own words ("Encoding 1295 distinct shopper texts", 30 s on the
    # demo while the text tower loaded), as if the click had done nothing.
    settings.TRAINING_HEARTBEAT_SECONDS = 0.1
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now())
    with RunHeartbeat(run.pk) as heartbeat:
        assert "will stop at its next check" in training.training_run_cancel(run=run)
        heartbeat.progress(50, "Encoding 1295 distinct shopper texts")
        wait_for(lambda: TrainingRun.objects.get(pk=run.pk).progress == 50)
        assert TrainingRun.objects.get(pk=run.pk).status_message() == "Cancelling"
        wait_for(heartbeat.cancelled.is_set)


@pytest.mark.parametrize("step", ["plan_chunks", "run_chunk"])
def test_a_fanned_out_run_asked_to_cancel_says_so_when_a_step_ends(monkeypatch, step):
    # Cancelled while it planned or ran a chunk, the run went back to "Planned 2 chunks" or
    # "1 of 2 chunks done" when that step ended, as if the click had done nothing.
    def cancel_then(work):
        def step_then_cancelled(*args):
            result = work(*args)
            assert "will stop at its next check" in training.training_run_cancel(run=run)
            return result

        return step_then_cancelled

    replaced = dataclasses.replace(dummy_kind.KIND, **{step: cancel_then(getattr(dummy_kind.KIND, step))})
    monkeypatch.setitem(registry._kinds, KIND, replaced)
    run = training_run_request(kind_name=KIND, parameters={"chunks": 2}, dispatch=False)
    chunks = training.training_run_start(run_id=run.pk)
    assert chunks is not None
    if step == "run_chunk":
        training.training_run_run_chunk(run_id=run.pk, index=0, chunk=chunks[0], retry_transient=False)
    run.refresh_from_db()
    assert run.status_message() == "Cancelling"
    training.training_run_finish(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.status_message()) == ("cancelled", "Cancelled; nothing was activated")


def test_a_step_counts_itself_in_while_it_executes():
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(status="running")
    with RunHeartbeat(run.pk):
        assert TrainingRun.objects.get(pk=run.pk).steps_running == 1
        with RunHeartbeat(run.pk):  # two chunks at once
            assert TrainingRun.objects.get(pk=run.pk).steps_running == 2
    assert TrainingRun.objects.get(pk=run.pk).steps_running == 0


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_a_step_cut_short_by_its_process_stopping_leaves_the_run_to_the_stale_sweep(monkeypatch, stop):
    # It counted itself out as if it had ended: the run looked queued for its next step and held its
    # kind for TRAINING_QUEUED_TIMEOUT_SECONDS (a day), every later run of it refused.
    def stopped(ctx):
        raise stop()

    monkeypatch.setitem(registry._kinds, KIND, dataclasses.replace(dummy_kind.KIND, train=stopped))
    run = training_run_request(kind_name=KIND, dispatch=False)
    TrainingRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now())
    with pytest.raises(stop):
        training.training_run_finish(run_id=run.pk)
    assert TrainingRun.objects.get(pk=run.pk).steps_running == 1

    TrainingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
    assert training.training_runs_fail_stale() == 1
    assert TrainingRun.objects.get(pk=run.pk).message == "Worker lost"


def test_a_trigger_fails_a_stale_run_of_its_kind_itself():
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running", heartbeat_at=timezone.now() - dt.timedelta(hours=1), steps_running=1
    )
    assert train().status == "succeeded"
    assert TrainingRun.objects.get(pk=run.pk).status == "failed"


def test_a_run_reaped_while_it_trains_does_not_publish(settings):
    settings.TRAINING_HEARTBEAT_SECONDS = 0.2
    run = training_run_request(kind_name=KIND, parameters={"sleep": 20})
    worker = run_in_thread(run.pk)
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status == "running")
    TrainingRun.objects.filter(pk=run.pk).update(status="failed", error="reaped")
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert TrainingRun.objects.get(pk=run.pk).error == "reaped"
    assert not ModelVersion.objects.exists()


def test_a_fanned_out_run_runs_every_chunk_then_trains_once():
    run = train(chunks=3)
    assert run.status == "succeeded"
    assert (run.chunks_total, run.chunks_done) == (3, 3)
    assert serving.active_model(KIND)["chunks_seen"] == ["chunk-0", "chunk-1", "chunk-2"]
    assert not (artifacts.get_store().root / ".scratch" / f"run-{run.pk}").exists()


def test_an_artifacts_folder_it_cannot_write_fails_a_fanned_out_run_at_once(monkeypatch):
    def refuse(kind_name):
        raise PermissionError(f"[Errno 13] Permission denied: '{kind_name}/.incoming-x'")

    monkeypatch.setattr(
        artifacts.LocalArtifactStore, "new_workdir", lambda self, kind_name: refuse(kind_name)
    )
    run = train(chunks=3)
    assert run.status == "failed"
    assert run.message.startswith("PermissionError: [Errno 13] Permission denied")
    assert not ModelVersion.objects.exists()


def test_a_failing_chunk_fails_the_run():
    run = train(chunks=3, fail_chunk=1)
    assert run.status == "failed"
    assert run.message == "Chunk 2 failed: RuntimeError: chunk 1 exploded"
    assert not ModelVersion.objects.exists()


def test_a_transient_error_in_training_is_retried(monkeypatch):
    monkeypatch.setattr(training, "TRAIN_RETRY_DELAYS_SECONDS", (0.0, 0.0))
    run = train(transient_failures=2)
    assert run.status == "succeeded"
    assert serving.active_model(KIND)["attempts"] == 3


def test_a_transient_error_that_persists_fails_the_run(monkeypatch):
    monkeypatch.setattr(training, "TRAIN_RETRY_DELAYS_SECONDS", (0.0,))
    run = train(transient_failures=2)
    assert run.status == "failed"
    assert "OperationalError: server closed the connection unexpectedly (attempt 2)" in run.message


def test_it_keeps_the_last_versions_and_the_active_one(settings, artifacts_root):
    settings.ARTIFACTS_KEEP = 2
    for value in range(4):
        train(value=value)
    versions_on_disk = sorted(path.name for path in (artifacts_root / KIND).iterdir())
    assert versions_on_disk == ["v0003", "v0004"]
    assert list(ModelVersion.objects.available().values_list("version", flat=True)) == [4, 3]
    assert ModelVersion.objects.filter(pruned_at__isnull=False).count() == 2
    # A rolled-back (active) old version survives pruning.
    versions.model_version_activate(version=ModelVersion.objects.get(version=3))
    assert versions.model_versions_prune(kind_name=KIND, keep=1) == 0
    assert sorted(path.name for path in (artifacts_root / KIND).iterdir()) == ["v0003", "v0004"]
    assert versions.model_versions_prune(kind_name=KIND, keep=0) == 1
    assert sorted(path.name for path in (artifacts_root / KIND).iterdir()) == ["v0003"]


def test_staff_roll_back_by_activating_an_older_version():
    train(value=1)
    train(value=2)
    assert serving.active_model(KIND)["value"] == 2
    old = ModelVersion.objects.get(version=1)
    versions.model_version_activate(version=old)
    assert ModelVersion.objects.get(is_active=True) == old
    serving.reset()  # a fresh process; the cache announcement is tested in test_serving
    assert serving.active_model(KIND)["value"] == 1


def test_rollback_to_a_corrupted_or_pruned_version_is_refused(artifacts_root):
    train(value=1)
    train(value=2)
    old = ModelVersion.objects.get(version=1)
    corrupt(artifacts_root / old.path / "value.json")
    with pytest.raises(ArtifactError, match="checksum mismatch"):
        versions.model_version_activate(version=old)
    old.pruned_at = timezone.now()
    with pytest.raises(ArtifactError, match="its files were removed"):
        versions.model_version_activate(version=old)
    assert ModelVersion.objects.get(is_active=True).version == 2


def test_the_schedule_starts_a_nightly_run_once_per_slot(dispatched):
    night = dt.datetime(2024, 5, 1, 2, 0, tzinfo=dt.UTC)
    assert training.training_schedule_tick(now=night) == []  # rows are created, first slot is the next one
    schedule = TrainingSchedule.objects.get(kind=KIND)
    assert (schedule.hour, schedule.minute, schedule.enabled) == (3, 0, True)
    TrainingSchedule.objects.exclude(kind=KIND).update(enabled=False)
    slot = night.replace(hour=3, minute=1)
    assert training.training_schedule_tick(now=slot) == [f"{KIND}: Started run #{dispatched[0]}"]
    assert training.training_schedule_tick(now=slot + dt.timedelta(minutes=1)) == []
    assert TrainingRun.objects.get().trigger == "schedule"


def test_a_scheduled_slot_that_finds_a_run_in_progress_records_why():
    night = dt.datetime(2024, 5, 1, 2, 0, tzinfo=dt.UTC)
    training.training_schedule_tick(now=night)
    TrainingSchedule.objects.exclude(kind=KIND).update(enabled=False)
    training_run_request(kind_name=KIND)
    training.training_schedule_tick(now=night.replace(hour=3))
    assert "already in progress" in TrainingSchedule.objects.get(kind=KIND).last_result


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def corrupt(path):
    """Change one byte in the middle, keeping the size: only the checksum can tell."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def run_in_thread(run_id):
    def execute():
        from django.db import connection

        try:
            training_run_execute_in_process(run_id=run_id)
        finally:
            connection.close()  # or the test database cannot be dropped at the end

    thread = threading.Thread(target=execute)
    thread.start()
    return thread


def test_without_a_broker_a_trigger_runs_in_a_thread_of_this_process(settings, monkeypatch):
    monkeypatch.undo()  # the real _enqueue
    settings.CELERY_TASK_ALWAYS_EAGER = True
    run = training_run_request(kind_name=KIND, parameters={"value": 7, "sleep": 0.3})
    # The request returned at once; the run goes on in the background, like on a worker.
    assert TrainingRun.objects.get(pk=run.pk).status in ("queued", "running")
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status == "succeeded")
    assert serving.active_model(KIND)["value"] == 7


def test_a_full_disk_while_publishing_leaves_no_folder_and_the_old_version_serving(
    monkeypatch, artifacts_root
):
    train(value=1)
    sync_directory = artifacts._fsync_directory

    def full_disk_at_the_rename(path):
        # The new folder already carries its version name: the last step of publishing fails.
        if path == artifacts_root / KIND:
            raise OSError(28, "No space left on device")
        sync_directory(path)

    monkeypatch.setattr(artifacts, "_fsync_directory", full_disk_at_the_rename)
    run = train(value=2)
    assert run.status == "failed"
    assert "No space left on device" in run.message
    assert sorted(path.name for path in (artifacts_root / KIND).iterdir()) == ["v0001"]
    assert serving.active_model(KIND)["value"] == 1
    monkeypatch.setattr(artifacts, "_fsync_directory", sync_directory)
    assert train(value=3).status == "succeeded"


def test_a_full_disk_while_training_fails_the_run_naming_the_folder_and_the_old_version_serves(
    artifacts_root,
):
    train(value=1)
    run = training_run_request(kind_name=KIND, parameters={"value": 2, "chunks": 1})
    # The file its one chunk writes (and nothing reads) is /dev/full, where every write fails with
    # "No space left on device" and, as on a real full disk, the error names no file.
    (artifacts.get_store().scratch_dir(run.pk) / "chunk-0").symlink_to("/dev/full")

    training_run_execute_in_process(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.message == (
        "Chunk 1 failed: OSError: [Errno 28] No space left on device "
        f"(writing the run's files under ARTIFACTS_ROOT, {artifacts_root})"
    )
    assert serving.active_model(KIND)["value"] == 1
    assert train(value=3).status == "succeeded"


def test_an_activation_whose_answer_is_lost_keeps_its_files(monkeypatch, artifacts_root):
    monkeypatch.setattr(training, "TRAIN_RETRY_DELAYS_SECONDS", (0.0, 0.0))
    activate = training._activate

    def commit_then_lose_the_connection(*args, **kwargs):
        activate(*args, **kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(training, "_activate", commit_then_lose_the_connection)
    run = train(value=1)
    assert run.status == "succeeded"  # the database has it so; the retry learns it
    active = ModelVersion.objects.get(is_active=True)
    assert (artifacts_root / active.path / "manifest.json").exists()
    assert serving.active_model(KIND)["value"] == 1
    assert ModelVersion.objects.count() == 1


def test_an_activation_that_meets_a_database_failover_is_retried(monkeypatch):
    # The run failed and its trained model was thrown away, the old one serving until the next run.
    monkeypatch.setattr(training, "TRAIN_RETRY_DELAYS_SECONDS", (0.0, 0.0))
    activate = versions.activate_in_transaction
    attempts = []

    def fail_the_first_attempt(**kwargs):
        attempts.append(kwargs)
        if len(attempts) == 1:
            raise OperationalError("the database system is shutting down")
        return activate(**kwargs)

    monkeypatch.setattr(versions, "activate_in_transaction", fail_the_first_attempt)
    run = train(value=6)
    assert len(attempts) == 2
    assert run.status == "succeeded"
    assert ModelVersion.objects.count() == 1
    assert serving.active_model(KIND)["value"] == 6


def test_housekeeping_removes_old_version_folders_no_row_points_to(settings, artifacts_root):
    train(value=1)
    store = artifacts.get_store()
    old = time.time() - settings.TRAINING_SOFT_TIME_LIMIT - 7200
    # v0002: its worker was killed between the rename and the activating commit, hours ago.
    for name in ("v0001", "v0002", "v0003"):
        (artifacts_root / KIND / name).mkdir(exist_ok=True)
    for name in ("v0001", "v0002"):
        os.utime(artifacts_root / KIND / name, (old, old))
    training.training_housekeeping()
    # v0001 has its row; v0003 may still be waiting for its commit.
    assert sorted(path.name for path in (artifacts_root / KIND).iterdir()) == ["v0001", "v0003"]
    assert store.remove_unrecorded_versions(older_than_seconds=-1, recorded={f"{KIND}/v0001"}) == 1
    assert serving.active_model(KIND)["value"] == 1


def drop_this_threads_connection():
    """As the server going away does: Django still holds the connection, and it is closed."""
    connection.ensure_connection()
    connection.connection.close()


def test_a_heartbeat_reconnects_after_its_connection_dropped(settings, monkeypatch):
    settings.TRAINING_HEARTBEAT_SECONDS = 0.1
    run = training_run_request(kind_name=KIND)
    TrainingRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now())
    write = RunHeartbeat._write
    dropped = threading.Event()

    def drop_once_then_write(self, *, beat):
        if not dropped.is_set():
            dropped.set()
            drop_this_threads_connection()
        write(self, beat=beat)

    monkeypatch.setattr(RunHeartbeat, "_write", drop_once_then_write)
    with RunHeartbeat(run.pk) as heartbeat:
        wait_for(dropped.is_set)
        dropped_at = timezone.now()
        wait_for(lambda: TrainingRun.objects.get(pk=run.pk).heartbeat_at > dropped_at, timeout=5)
        assert not heartbeat.lost.is_set()


def test_training_retried_after_its_connection_dropped_reconnects(monkeypatch):
    monkeypatch.setattr(training, "TRAIN_RETRY_DELAYS_SECONDS", (0.0, 0.0))
    dropped = threading.Event()

    def drop_once_then_train(ctx):
        if not dropped.is_set():
            dropped.set()
            drop_this_threads_connection()
            TrainingRun.objects.count()  # raises, as a query of the training would
        return dummy_kind.train(ctx)

    replaced = dataclasses.replace(dummy_kind.KIND, train=drop_once_then_train)
    monkeypatch.setitem(registry._kinds, KIND, replaced)
    run = train(value=4)
    assert dropped.is_set()
    assert run.status == "succeeded"
    assert serving.active_model(KIND)["value"] == 4


def test_publishing_after_the_connection_dropped_during_training_reconnects(monkeypatch):
    def train_while_the_database_restarts(ctx):
        metrics = dummy_kind.train(ctx)
        drop_this_threads_connection()  # idle meanwhile: nothing noticed
        return metrics

    replaced = dataclasses.replace(dummy_kind.KIND, train=train_while_the_database_restarts)
    monkeypatch.setitem(registry._kinds, KIND, replaced)
    run = train(value=5)
    assert run.status == "succeeded"
    assert serving.active_model(KIND)["value"] == 5


def test_a_training_run_a_web_process_runs_itself_has_no_statement_timeout(settings):
    settings.WEB_STATEMENT_TIMEOUT_SECONDS = 0.2
    run = training_run_request(kind_name=KIND)
    web_connections.install()  # as gunicorn's process has it
    try:
        with other_connection() as holder:
            # Training waits here longer than a web request's query may: it must wait, not fail.
            holder.execute("LOCK TABLE recommendations_trainingrun IN ACCESS EXCLUSIVE MODE")
            trainer = threading.Thread(target=training.training_run_execute_in_thread, args=(run.pk,))
            trainer.start()
            time.sleep(0.6)
        trainer.join(timeout=30)
    finally:
        connection_created.disconnect(dispatch_uid=web_connections.DISPATCH_UID)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, (run.status, run.error)


def test_the_heartbeat_of_a_run_a_web_process_runs_itself_has_no_statement_timeout(settings, monkeypatch):
    # long_work() is per thread: the heartbeat's thread opened its connection as a web request's,
    # and a progress write waiting on a lock past the web's limit failed (then the run as stale).
    settings.WEB_STATEMENT_TIMEOUT_SECONDS = 0.2
    run = training_run_request(kind_name=KIND)
    heartbeat_timeouts = []
    real_write = RunHeartbeat._write

    def write_and_look(self, *, beat):
        with connection.cursor() as cursor:  # this heartbeat thread's own connection
            cursor.execute("SHOW statement_timeout")
            heartbeat_timeouts.append(cursor.fetchone()[0])
        real_write(self, beat=beat)

    monkeypatch.setattr(RunHeartbeat, "_write", write_and_look)
    web_connections.install()  # as gunicorn's process has it
    try:
        trainer = threading.Thread(target=training.training_run_execute_in_thread, args=(run.pk,))
        trainer.start()
        trainer.join(timeout=30)
    finally:
        connection_created.disconnect(dispatch_uid=web_connections.DISPATCH_UID)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, (run.status, run.error)
    assert heartbeat_timeouts and set(heartbeat_timeouts) == {"0"}, heartbeat_timeouts
