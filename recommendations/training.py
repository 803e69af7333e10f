"""Services for training runs: request (with the lock per kind), run, cancel, reap, schedule.

A run moves queued -> running -> succeeded | failed | cancelled. The lock per kind is the
database's partial unique index on queued/running runs (TrainingRun.Meta): a second trigger
while one is in progress is *refused* with a message naming the run in progress, never queued
behind it (a queue of identical retrains would only train on the same data twice).

A worker that dies (SIGKILL, OOM, lost machine) cannot say so. Its run stops refreshing
`heartbeat_at`, and `training_runs_fail_stale` (called by beat every minute, before every
trigger of the kind, and wherever staff follow runs: the admin, the API, `train --wait`) fails it
after TRAINING_STALE_SECONDS, which releases the lock. That holds
while one of the run's steps executes (`steps_running`); between steps, queued behind other work,
a run waits up to TRAINING_QUEUED_TIMEOUT_SECONDS, as a queued run does behind a busy worker; a
queued run that no worker takes while none is busy with training is failed after
TRAINING_UNCLAIMED_SECONDS (no worker is running). Nothing is
activated until the very end, in one transaction, so a dead or failed run never touches serving.

The steps are called by the Celery tasks in workers/tasks.py, or one after another in-process by
`training_run_execute_in_process` (no broker configured, the management command).
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import math
import threading
import time
import traceback
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connections, transaction
from django.db.models import Case, Exists, Q, Value, When
from django.utils import timezone

from recommendations import activation_gate, artifacts, versions
from recommendations.heartbeat import RunHeartbeat, reconnect_if_dropped
from recommendations.models import ModelVersion, TrainingRun, TrainingSchedule
from recommendations.registry import (
    ModelKind,
    TrainingCancelled,
    TrainingContext,
    TrainingDataMissing,
    all_kinds,
    get_kind,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# Errors worth another attempt: the database or Redis went away for a moment.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)
# The finishing step retries a transient failure in place (keeping its heartbeat) this many
# times, waiting 5 s then 20 s: long enough for a database failover, short of the stale limit.
TRAIN_RETRY_DELAYS_SECONDS = (5.0, 20.0)
# Of a fanned-out run's progress bar, the chunks fill this much and the finishing step the rest.
CHUNKS_PROGRESS_SHARE = 80.0
_ERROR_TEXT_LIMIT = 8000
# A full disk or quota fails a write with no file name in the error; a run writes only under
# ARTIFACTS_ROOT (its workdir and scratch folder), so the message names that instead.
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class RunAlreadyInProgress(Exception):
    def __init__(self, kind_name: str, run: TrainingRun | None) -> None:
        self.run = run
        if run is None:
            detail = "another run of it was started at the same moment"
        else:
            detail = f"run #{run.pk} is {run.status} ({run.progress:.0f}%)"
        super().__init__(
            f"A {kind_name} training run is already in progress: {detail}. "
            "Wait for it to finish or cancel it, then try again."
        )


class QueueUnavailable(Exception):
    """The broker (Redis) could not be reached, so a requested run was not started."""


# --- requesting a run -------------------------------------------------------------------------


def training_run_request(
    *,
    kind_name: str,
    parameters: dict[str, Any] | None = None,
    triggered_by: User | None = None,
    trigger: str = TrainingRun.Trigger.ADMIN,
    dispatch: bool = True,
) -> TrainingRun:
    """Create a queued run and hand it to a worker (or a thread, without a broker).

    With dispatch=False the caller runs it (training_run_execute_in_process). Raises LookupError
    (unknown kind), ValueError (bad parameters), RunAlreadyInProgress, or QueueUnavailable (the
    run is then recorded as failed, saying why).
    """
    kind = get_kind(kind_name)
    merged = kind.merged_parameters(parameters)
    # A run whose worker died would otherwise hold the lock until beat's next sweep.
    training_runs_fail_stale(kind_name=kind_name)
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(
                kind=kind_name,
                parameters=merged,
                triggered_by=triggered_by,
                trigger=trigger,
                message="Waiting for a worker",
            )
    except IntegrityError:
        current = TrainingRun.objects.in_progress().filter(kind=kind_name).first()
        raise RunAlreadyInProgress(kind_name, current) from None
    # The worker must find the committed row; outside any transaction this runs at once, so a
    # broker failure reaches the caller as QueueUnavailable.
    if dispatch:
        transaction.on_commit(partial(_enqueue, run.pk))
    return run


def _enqueue(run_id: int) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No broker (the demo): run in a thread of this process, so the admin shows progress
        # instead of the request blocking until training ends.
        threading.Thread(
            target=training_run_execute_in_thread, args=(run_id,), name=f"training-run-{run_id}", daemon=True
        ).start()
        return
    from workers.tasks import train_run  # workers imports this module; import at call time

    try:
        train_run.delay(run_id)
    except Exception as error:
        # kombu raises OperationalError, redis its own errors, sockets OSError: all mean the
        # queue is unreachable. Record it on the run so the admin and API show the reason.
        message = (
            f"The task queue is unavailable ({type(error).__name__}: {error}), so the run was not started. "
            "Try again once Redis is reachable."
        )
        TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
            status=TrainingRun.Status.FAILED,
            error=message,
            message="Not started: queue unavailable",
            finished_at=timezone.now(),
        )
        logger.error("Training run %s not started: %s", run_id, message)
        raise QueueUnavailable(message) from error


def training_run_execute_in_thread(run_id: int) -> None:
    """training_run_execute_in_process as the body of a thread: logs a crash, closes its connections.

    In a web process its connections are not a web request's: no statement or lock timeout.
    """
    from storefront import web_connections

    try:
        with web_connections.long_work():
            training_run_execute_in_process(run_id=run_id)
    except Exception:
        logger.exception("In-process training run %s crashed.", run_id)
    finally:
        connections.close_all()


def training_run_execute_in_process(*, run_id: int) -> None:
    """Every step of a run in this process: plan, each chunk in turn, finish."""
    chunks = training_run_start(run_id=run_id)
    if chunks is None:
        return
    for index, chunk in enumerate(chunks):
        training_run_run_chunk(run_id=run_id, index=index, chunk=chunk, retry_transient=False)
    training_run_finish(run_id=run_id)


# --- the steps a worker runs --------------------------------------------------------------------


def training_run_start(*, run_id: int) -> list[dict[str, Any]] | None:
    """Claim a queued run. Returns its chunks ([] when it has none), or None when there is nothing to do.

    Idempotent: a redelivered message finds the run no longer queued and does nothing.
    """
    now = timezone.now()
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.RUNNING, started_at=now, heartbeat_at=now, progress=0.0, message="Starting"
    )
    if not claimed:
        logger.info("Training run %s is not queued (cancelled, failed or already taken); skipping.", run_id)
        return None
    run = TrainingRun.objects.get(pk=run_id)
    try:
        kind = get_kind(run.kind)
    except LookupError as error:
        _end_run(run_id, TrainingRun.Status.FAILED, message="Unknown kind", error=str(error))
        return None
    plan_chunks = kind.plan_chunks
    if plan_chunks is None:
        return []
    store = artifacts.get_store()
    try:
        # Inside the try: a folder that cannot be created (permissions, a full disk) fails the run
        # with its reason at once, instead of leaving it running until it is reaped as lost.
        workdir = store.new_workdir(kind.name)
        try:
            with RunHeartbeat(run_id, span=0.0) as beat:
                context = _context(run, kind, workdir, beat)
                chunks: list[dict[str, Any]] = _with_transient_retries(lambda: plan_chunks(context), beat)
        finally:
            store.discard(workdir)
    except Exception as error:
        _fail_from_exception(run_id, error, cancelled_message="Cancelled while planning")
        return None
    TrainingRun.objects.filter(pk=run_id).update(
        chunks_total=len(chunks), message=f"Planned {len(chunks)} chunks" if chunks else "Training"
    )
    return chunks


def training_run_run_chunk(*, run_id: int, index: int, chunk: dict[str, Any], retry_transient: bool) -> None:
    """One chunk of a fanned-out run. A transient error is re-raised when the task may retry it."""
    run = TrainingRun.objects.filter(pk=run_id).first()
    if run is None or run.status != TrainingRun.Status.RUNNING or run.cancel_requested:
        return  # the run failed or was cancelled meanwhile: the remaining chunks are moot
    kind = get_kind(run.kind)
    assert kind.run_chunk is not None, f"{kind.name} planned chunks but has no run_chunk"
    try:
        with RunHeartbeat(run_id, report_progress=False):
            kind.run_chunk(run_id, chunk)
    except TRANSIENT_ERRORS as error:
        if retry_transient:
            raise
        _fail_from_exception(run_id, error, prefix=f"Chunk {index + 1} failed")
        return
    except Exception as error:
        _fail_from_exception(run_id, error, prefix=f"Chunk {index + 1} failed")
        return
    with transaction.atomic():
        locked = TrainingRun.objects.select_for_update().get(pk=run_id)
        if locked.status != TrainingRun.Status.RUNNING:
            return
        locked.chunks_done = min(locked.chunks_done + 1, locked.chunks_total)
        locked.progress = round(CHUNKS_PROGRESS_SHARE * locked.chunks_done / max(locked.chunks_total, 1), 1)
        locked.message = f"{locked.chunks_done} of {locked.chunks_total} chunks done"
        locked.save(update_fields=["chunks_done", "progress", "message"])


def training_run_finish(*, run_id: int) -> ModelVersion | None:
    """Train, publish the artifact and activate it in one transaction, unless the kind's quality
    gate holds it back (recommendations.activation_gate). Returns the new version."""
    run = TrainingRun.objects.filter(pk=run_id).first()
    if run is None or run.status != TrainingRun.Status.RUNNING:
        return None
    kind = get_kind(run.kind)
    store = artifacts.get_store()
    offset = CHUNKS_PROGRESS_SHARE if run.chunks_total else 0.0
    published: artifacts.PublishedArtifact | None = None
    try:
        with RunHeartbeat(run_id, offset=offset, span=100.0 - offset) as beat:
            metrics, workdir = _train_with_retries(run, kind, beat)
            # Training may have kept this connection idle for hours, across a database restart.
            reconnect_if_dropped()
            # The heartbeat reads the cancel flag every few seconds: a cancel that came since then
            # stops the run here, where it is, not after publishing at 100%.
            if TrainingRun.objects.cancel_requested(run_id):
                store.discard(workdir)
                raise TrainingCancelled(f"Run {run_id} was cancelled before publishing.")
            beat.progress(100.0, "Publishing")
            try:
                published = store.publish(
                    workdir,
                    kind=kind,
                    version=versions.next_version_number(kind_name=kind.name),
                    extra={"run_id": run.pk, "parameters": run.parameters, "metrics": metrics},
                )
            finally:
                if published is None:
                    store.discard(workdir)
            artifact = published
            # A database failover at this moment would otherwise throw the trained model away.
            version = _with_transient_retries(
                lambda: _activate(run_id, kind, artifact, metrics), beat, progress=100.0
            )
    except Exception as error:
        if published is not None and not _is_recorded(published):
            store.delete(published.path)
        _fail_from_exception(run_id, error, cancelled_message="Cancelled; nothing was activated")
        return None
    finally:
        store.remove_scratch_dir(run_id)
    try:
        versions.model_versions_prune(kind_name=kind.name)
    except Exception:
        logger.exception("Pruning old %s versions failed; they stay on disk until the next run.", kind.name)
    if version.is_active:
        logger.info("Training run %s published and activated %s.", run_id, version)
    else:
        logger.warning(
            "Training run %s published %s but did not activate it (quality gate).", run_id, version
        )
    return version


def _activate(
    run_id: int, kind: ModelKind, published: artifacts.PublishedArtifact, metrics: dict[str, Any]
) -> ModelVersion:
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.status == TrainingRun.Status.SUCCEEDED:
            # A retry after an attempt whose commit got through and whose answer was lost.
            recorded = ModelVersion.objects.filter(path=published.path).first()
            if recorded is not None:
                return recorded
        if run.status != TrainingRun.Status.RUNNING:
            raise TrainingCancelled(f"Run {run_id} was marked {run.status} while it trained.")
        if run.cancel_requested:
            raise TrainingCancelled(f"Run {run_id} was cancelled.")
        version = versions.model_version_create(kind_name=kind.name, run=run, published=published)
        verdict = activation_gate.judge(kind=kind, parameters=run.parameters, metrics=metrics)
        if not verdict.held_back:
            versions.activate_in_transaction(version=version)
        # Succeeded either way, not a status of its own: the run did its job (a version is
        # published, usable, one click from serving), and clients that wait for "succeeded" or
        # count failures keep working. `held_back` and the message say it was not activated.
        run.status = TrainingRun.Status.SUCCEEDED
        run.progress = 100.0
        run.metrics = metrics
        run.message = verdict.message(version=version.version)
        run.held_back = verdict.held_back
        run.finished_at = timezone.now()
        run.heartbeat_at = run.finished_at
        run.save(
            update_fields=[
                "status",
                "progress",
                "metrics",
                "message",
                "held_back",
                "finished_at",
                "heartbeat_at",
            ]
        )
    return version


def _is_recorded(published: artifacts.PublishedArtifact) -> bool:
    """Whether a version row points at a published folder, True when the database cannot say.

    A commit can reach the database and its answer be lost with the connection: the version is
    then active, and deleting its folder would break serving. A folder kept by mistake is removed
    by training_housekeeping once no row points to it.
    """
    try:
        return ModelVersion.objects.filter(path=published.path).exists()
    except Exception:
        logger.warning("Could not check whether %s was recorded; keeping it.", published.path, exc_info=True)
        return True


def _train_with_retries(run: TrainingRun, kind: ModelKind, beat: RunHeartbeat) -> tuple[dict[str, Any], Any]:
    store = artifacts.get_store()

    def attempt() -> tuple[dict[str, Any], Any]:
        workdir = store.new_workdir(kind.name)
        try:
            metrics = kind.train(_context(run, kind, workdir, beat))
        except BaseException:
            store.discard(workdir)
            raise
        return clean_metrics(metrics), workdir

    return _with_transient_retries(attempt, beat)


def _with_transient_retries(step: Callable[[], Any], beat: RunHeartbeat, *, progress: float = 0.0) -> Any:
    for delay in (*TRAIN_RETRY_DELAYS_SECONDS, None):
        try:
            return step()
        except TRANSIENT_ERRORS as error:
            if delay is None:
                raise
            reconnect_if_dropped()
            beat.progress(progress, f"Transient error ({type(error).__name__}); retrying in {delay:.0f} s")
            logger.warning("Training step hit %r; retrying in %.0f s.", error, delay)
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:
                if beat.is_cancelled():
                    raise TrainingCancelled("Cancelled while waiting to retry.") from error
                time.sleep(0.2)
    raise AssertionError("unreachable")


def _context(run: TrainingRun, kind: ModelKind, workdir: Any, beat: RunHeartbeat) -> TrainingContext:
    store = artifacts.get_store()
    active_path = ModelVersion.objects.active().filter(kind=kind.name).values_list("path", flat=True).first()
    return TrainingContext(
        run=run,
        workdir=workdir,
        parameters=dict(run.parameters),
        scratch_dir=store.scratch_dir(run.pk),
        active_artifact=store.local_path(active_path) if active_path else None,
        report_progress=beat.progress,
        is_cancelled=beat.is_cancelled,
    )


def clean_metrics(metrics: Any) -> dict[str, Any]:
    """Metrics as JSON the database accepts: numbers as floats, NaN and infinities as null."""
    if not isinstance(metrics, dict):
        raise TypeError(f"train() must return a dict of metrics, not {type(metrics).__name__}.")
    cleaned: dict[str, Any] = {}
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            cleaned[str(name)] = value if isinstance(value, str | bool | None) else str(value)
        else:
            number = float(value)
            cleaned[str(name)] = number if math.isfinite(number) else None
    return cleaned


# --- ending runs ---------------------------------------------------------------------------------


def _fail_from_exception(
    run_id: int, error: BaseException, *, prefix: str = "", cancelled_message: str = "Cancelled"
) -> None:
    if isinstance(error, TrainingCancelled):
        _end_run(run_id, TrainingRun.Status.CANCELLED, message=cancelled_message, error=str(error))
        return
    # Missing data is expected until staff import it: what to do, not a stack trace in the run's
    # page, the API's `error` and `train`'s output.
    expected = isinstance(error, TrainingDataMissing)
    summary = str(error) if expected else f"{type(error).__name__}: {error}"
    if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS and not error.filename:
        summary += f" (writing the run's files under ARTIFACTS_ROOT, {settings.ARTIFACTS_ROOT})"
    if prefix:
        summary = f"{prefix}: {summary}"
    details = "" if expected else "\n\n" + "".join(traceback.format_exception(error))[-_ERROR_TEXT_LIMIT:]
    _end_run(run_id, TrainingRun.Status.FAILED, message=summary, error=summary + details)
    logger.log(logging.WARNING if expected else logging.ERROR, "Training run %s failed: %s", run_id, summary)


# No condition beyond being in progress (an empty Q adds no WHERE clause).
EVERY_RUN = Q()


def _end_run(run_id: int, status: str, *, message: str, error: str = "", only_if: Q = EVERY_RUN) -> bool:
    """Finish an in-progress run; False when it had already ended (first ending wins), or no
    longer meets `only_if` (checked in the same statement)."""
    ended = TrainingRun.objects.filter(Q(pk=run_id, status__in=TrainingRun.IN_PROGRESS) & only_if).update(
        status=status, message=message[:255], error=error, finished_at=timezone.now()
    )
    artifacts.get_store().remove_scratch_dir(run_id)
    return bool(ended)


def training_run_cancel(*, run: TrainingRun) -> str:
    """Cancel a queued run at once; ask a running one to stop. Returns what happened, in words."""
    if TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.CANCELLED, message="Cancelled before it started", finished_at=timezone.now()
    ):
        return f"Run #{run.pk} was cancelled before it started."
    stale_before = timezone.now() - dt.timedelta(seconds=settings.TRAINING_STALE_SECONDS)
    if TrainingRun.objects.filter(
        pk=run.pk, status=TrainingRun.Status.RUNNING, heartbeat_at__lt=stale_before, steps_running__gt=0
    ).exists():
        # Nobody is working on it any more: nothing would see the request.
        _end_run(run.pk, TrainingRun.Status.CANCELLED, message="Cancelled (its worker had stopped)")
        return f"Run #{run.pk} was cancelled (its worker had stopped responding)."
    if TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.RUNNING, steps_running=0).exists():
        # Between steps: its queued steps see the run ended and do nothing.
        _end_run(run.pk, TrainingRun.Status.CANCELLED, message="Cancelled between its steps")
        return f"Run #{run.pk} was cancelled; nothing from it will be activated."
    if TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.RUNNING).update(
        cancel_requested=True, message="Cancelling"
    ):
        return f"Run #{run.pk} will stop at its next check; nothing from it will be activated."
    run.refresh_from_db(fields=["status"])
    raise ValueError(f"Run #{run.pk} has already ended ({run.status}); there is nothing to cancel.")


# Why the sweep failed a run (its message), and what the error says for the two that need no figures.
WORKER_LOST, NEVER_STARTED, NEVER_CONTINUED = "Worker lost", "Never started", "Never continued"
STALE_ERRORS = {
    NEVER_STARTED: "No worker picked the run up in time; is a Celery worker consuming the `training` queue?",
    NEVER_CONTINUED: (
        "No worker took the run's next step in time; is a Celery worker consuming the `chunks` queue?"
    ),
}


def training_runs_fail_stale(*, kind_name: str | None = None) -> int:
    """Fail running runs whose worker stopped beating, and queued runs no worker took. Returns how many.

    One query when nothing is stale: pages and API calls that show runs call this on every read.
    """
    now = timezone.now()
    runs = TrainingRun.objects.in_progress()
    if kind_name is not None:
        runs = runs.filter(kind=kind_name)
    stale_before = now - dt.timedelta(seconds=settings.TRAINING_STALE_SECONDS)
    never_taken_before = now - dt.timedelta(seconds=settings.TRAINING_QUEUED_TIMEOUT_SECONDS)
    unclaimed_before = now - dt.timedelta(seconds=settings.TRAINING_UNCLAIMED_SECONDS)
    # A step that executes beats; steps waiting in the queue (behind another kind's long run on a
    # busy worker) do not, and wait as a queued run does.
    executing = Q(steps_running__gt=0)
    # A worker busy with training (executing a step, or having ended a run just now and about to
    # take the next) may leave queued work waiting for hours; an idle one never does.
    # (A run that never started, or whose worker was lost, kept no worker busy.)
    just_ended = Q(finished_at__gte=unclaimed_before, started_at__isnull=False) & ~Q(message=WORKER_LOST)
    workers_busy = Exists(TrainingRun.objects.filter(executing | just_ended))
    queued = Q(status=TrainingRun.Status.QUEUED)
    running = Q(status=TrainingRun.Status.RUNNING)
    silent = Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before)

    def waited_too_long(since: str) -> Q:
        """Waiting for a worker since `since`: a day at most, or 15 minutes while none is busy."""
        before = f"{since}__lt"
        return Q(**{before: never_taken_before}) | (~workers_busy & Q(**{before: unclaimed_before}))

    conditions = {
        WORKER_LOST: running & silent & executing,
        NEVER_STARTED: queued & waited_too_long("created_at"),
        NEVER_CONTINUED: running & ~executing & waited_too_long("heartbeat_at"),
    }
    stale = runs.annotate(
        stale_reason=Case(*(When(condition, then=Value(reason)) for reason, condition in conditions.items()))
    ).filter(stale_reason__isnull=False)
    ended = 0
    for run_id, kind, heartbeat_at, reason in stale.values_list("pk", "kind", "heartbeat_at", "stale_reason"):
        error = _stale_error(reason, heartbeat_at)
        # Still stale as it is ended: a worker may have claimed the run or beaten since the read.
        still = conditions[reason]
        if _end_run(run_id, TrainingRun.Status.FAILED, message=reason, error=error, only_if=still):
            # Named, so that the worker's log says which run ended and why (it said "1 run(s)").
            logger.warning("Failed %s training run #%s (%s): %s", kind, run_id, reason, error)
            ended += 1
    return ended


def _stale_error(reason: str, heartbeat_at: dt.datetime | None) -> str:
    if reason in STALE_ERRORS:
        return STALE_ERRORS[reason]
    last = f"{heartbeat_at:%Y-%m-%d %H:%M:%S} UTC" if heartbeat_at else "never"
    return (
        f"The worker stopped reporting (no heartbeat for over {settings.TRAINING_STALE_SECONDS:.0f} s; "
        f"last {last}): it was probably killed or lost its connection. Nothing was activated; "
        "the previous version keeps serving."
    )


def training_housekeeping() -> int:
    """Beat's sweep: fail stale runs and delete temporary folders killed workers left behind."""
    ended = training_runs_fail_stale()
    in_progress = set(TrainingRun.objects.in_progress().values_list("pk", flat=True))
    # Temporary folders older than the longest a run may take cannot belong to a live run, nor can
    # a version folder that old without a row be waiting for its activating commit.
    older_than = settings.TRAINING_SOFT_TIME_LIMIT + 3600
    store = artifacts.get_store()
    store.remove_stale_temporaries(older_than_seconds=older_than, keep_scratch_for=in_progress)
    recorded = set(ModelVersion.objects.values_list("path", flat=True))
    store.remove_unrecorded_versions(older_than_seconds=older_than, recorded=recorded)
    return ended


# --- the schedule -------------------------------------------------------------------------------


def training_schedules_ensure(*, now: dt.datetime | None = None) -> None:
    """A schedule row per registered kind, with the nightly default, so staff can edit it."""
    for kind in all_kinds():
        # "Triggered now" so that a new row first fires at its next slot, not at once.
        TrainingSchedule.objects.get_or_create(
            kind=kind.name, defaults={"last_triggered_at": now or timezone.now()}
        )


def training_schedule_tick(*, now: dt.datetime | None = None) -> list[str]:
    """Start the runs whose daily slot has come. Returns one line per schedule that fired."""
    now = now or timezone.now()
    training_schedules_ensure(now=now)
    fired: list[str] = []
    for schedule in TrainingSchedule.objects.filter(enabled=True):
        if schedule.due_since(now) is None:
            continue
        # Compare-and-set: with two beat processes by mistake, only one fires the slot.
        if not TrainingSchedule.objects.filter(
            pk=schedule.pk, last_triggered_at=schedule.last_triggered_at
        ).update(last_triggered_at=now):
            continue
        try:
            run = training_run_request(
                kind_name=schedule.kind, parameters=schedule.parameters, trigger=TrainingRun.Trigger.SCHEDULE
            )
            result = f"Started run #{run.pk}"
        except (RunAlreadyInProgress, QueueUnavailable, LookupError, ValueError) as error:
            result = f"Not started: {error}"
        TrainingSchedule.objects.filter(pk=schedule.pk).update(last_result=result[:255])
        fired.append(f"{schedule.kind}: {result}")
    return fired
