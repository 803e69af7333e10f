"""The heartbeat of a running training run: progress writes, liveness, and the cancel flag.

One daemon thread per running step does every database write for the run while the training
code runs in the main thread, so a training loop never waits on the database. Every tick it
flushes the latest progress (at most about once a second); every TRAINING_HEARTBEAT_SECONDS it
refreshes `heartbeat_at` and reads whether staff asked to cancel. A worker killed with SIGKILL
stops the heartbeat, which is how recommendations.training finds and fails its run. Entering and
leaving a step counts it in `steps_running`: a run with no step executing (its next ones queued)
beats no heart, and is not lost for that.
"""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from recommendations.models import TrainingRun

logger = logging.getLogger(__name__)

# How often progress reaches the database: smooth enough for a progress bar, and a tight
# training loop calling ctx.progress() does not turn into a stream of UPDATEs.
PROGRESS_FLUSH_SECONDS = 1.0


class RunHeartbeat:
    """Context manager for one step of a run (planning, a chunk, or the finishing step).

    Progress reported here is mapped onto [offset, offset + span] of the run's bar, so that a
    fanned-out run shows chunks and the finishing step as parts of one bar.
    """

    def __init__(
        self, run_id: int, *, offset: float = 0.0, span: float = 100.0, report_progress: bool = True
    ) -> None:
        self.run_id = run_id
        self.offset = offset
        self.span = span
        self.report_progress = report_progress
        self._pending: tuple[float, str] | None = None
        self._pending_lock = threading.Lock()
        self._stop = threading.Event()
        # Set when staff cancelled, or when the run is no longer running (reaped as stale).
        self.cancelled = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"training-run-{run_id}-heartbeat", daemon=True
        )

    def __enter__(self) -> RunHeartbeat:
        TrainingRun.objects.filter(pk=self.run_id).update(
            steps_running=F("steps_running") + 1, heartbeat_at=timezone.now()
        )
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if exc is not None and not isinstance(exc, Exception):
            # The process is stopping (Ctrl-C, SystemExit, a worker's cold shutdown) and the step
            # did not end: it stays counted, so the run goes silent and is failed as stale within
            # TRAINING_STALE_SECONDS, instead of looking queued for its next step for a day.
            return
        TrainingRun.objects.filter(pk=self.run_id).update(steps_running=Greatest(F("steps_running") - 1, 0))

    def progress(self, percent: float, message: str) -> None:
        if not self.report_progress:
            return
        overall = self.offset + self.span * max(0.0, min(100.0, percent)) / 100.0
        with self._pending_lock:
            self._pending = (round(min(100.0, overall), 1), message[:255])

    def is_cancelled(self) -> bool:
        return self.cancelled.is_set()

    def _loop(self) -> None:
        # long_work() is per thread: in a web process (a run without a broker) this thread's
        # connection would otherwise get a web request's lock and statement timeouts. A heartbeat
        # is never a web request, wherever it runs.
        from storefront import web_connections

        with web_connections.long_work():
            self._beat_until_stopped()

    def _beat_until_stopped(self) -> None:
        interval = settings.TRAINING_HEARTBEAT_SECONDS
        tick = min(PROGRESS_FLUSH_SECONDS, interval)
        next_beat = 0.0  # beat at once: a step that starts marks the run alive
        try:
            while True:
                stopping = self._stop.wait(tick)
                now = time.monotonic()
                beat_due = now >= next_beat
                try:
                    self._write(beat=beat_due)
                except Exception:
                    # A database blip must not kill the training; the next tick tries again, and a
                    # long outage ends in the run being failed as stale, which is the right outcome.
                    logger.warning("Heartbeat of training run %s failed.", self.run_id, exc_info=True)
                    reconnect_if_dropped()
                if beat_due:
                    next_beat = now + interval
                if stopping:
                    return
        finally:
            # This thread's own database connection; Django opens one per thread.
            connection.close()

    def _write(self, *, beat: bool) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, None
        fields: dict[str, object] = {}
        if pending is not None:
            # Once staff asked to cancel, the run reads "Cancelling" whatever a step writes here
            # (TrainingRun.step_message).
            fields["progress"], fields["message"] = pending
        if beat:
            fields["heartbeat_at"] = timezone.now()
        if not fields:
            return
        updated = TrainingRun.objects.filter(pk=self.run_id, status=TrainingRun.Status.RUNNING).update(
            **fields
        )
        if not updated:
            # Reaped as stale (e.g. after a long database outage) or finished elsewhere: stop the
            # training rather than let a run nobody tracks publish a version.
            self.lost.set()
            self.cancelled.set()
            return
        if beat and TrainingRun.objects.cancel_requested(self.run_id):
            self.cancelled.set()


def reconnect_if_dropped() -> None:
    """Start afresh if this thread's connection broke, or check it before its next query.

    Django reconnects a closed connection, never one the server dropped: after a database
    restart every query on it fails. This is what Django does between two requests (with
    CONN_HEALTH_CHECKS on, the next query first checks the connection), and it closes nothing
    inside a transaction.
    """
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()
