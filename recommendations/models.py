"""Training runs, the model versions they publish, and the staff-editable training schedule."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

# Celery hands a queued run to an idle worker within seconds: one still queued after this long is
# worth a word to staff (no worker may be running, or each is busy with another kind's run).
WORKER_PICKUP_GRACE = dt.timedelta(minutes=1)
# What a running run says from staff's cancel until it stops (TrainingRun.step_message).
CANCELLING = "Cancelling"


class TrainingRunQuerySet(models.QuerySet["TrainingRun"]):
    def cancel_requested(self, run_id: int) -> bool:
        """Whether staff asked for run `run_id` to stop (read afresh: the flag changes under a run)."""
        return self.filter(pk=run_id, cancel_requested=True).exists()

    def in_progress(self) -> TrainingRunQuerySet:
        return self.filter(status__in=TrainingRun.IN_PROGRESS)

    def newest_first(self) -> TrainingRunQuerySet:
        return self.order_by("-created_at", "-id")


class TrainingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Trigger(models.TextChoices):
        ADMIN = "admin"
        API = "api", "API"
        COMMAND = "command"
        SCHEDULE = "schedule"

    IN_PROGRESS = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=255, blank=True)
    # The effective parameters (the kind's defaults with the trigger's overrides applied).
    parameters = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.ADMIN)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Refreshed every few seconds by the process working on the run. A worker that is SIGKILLed
    # stops refreshing it, which is how its run is found and failed (recommendations.training).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Steps (planning, chunks, the finishing step) executing now. Only while one is does a silent
    # heartbeat mean a lost worker; between steps the next ones may wait in the queue for minutes.
    steps_running = models.PositiveSmallIntegerField(default=0)
    # Cancelling a running run is cooperative: the worker sees this at its next heartbeat.
    cancel_requested = models.BooleanField(default=False)
    # Fan-out bookkeeping for kinds that split their work into chunks.
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    # The quality gate's verdict at training time (recommendations.activation_gate): the run
    # succeeded, but its version was published without being activated, being clearly worse on
    # held-out data than simple baselines on the same data. It stays true after staff activate
    # the version by hand (ModelVersion.activated_at says that); the message says by how much.
    held_back = models.BooleanField(
        default=False,
        help_text="Was held back at training time: its version was published but not activated, its "
        "held-out metric being clearly below the simple baselines' on the same data (see message). "
        "Staff may have activated it by hand since.",
    )

    objects = TrainingRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The lock per kind: the database refuses a second queued/running run of a kind, so
            # two simultaneous triggers (two admins, beat and the API) can never both start one.
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(status__in=["queued", "running"]),
                name="one_run_in_progress_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="progress_0_100"
            ),
        ]
        indexes = [models.Index(fields=["kind", "-created_at"], name="trainingrun_kind_created")]

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk} ({self.status})"

    @property
    def is_in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    def waiting_note(self, now: dt.datetime | None = None) -> str:
        """For a queued run no worker has taken for a while: for how long, and what may hold it
        (a run behind a busy worker waits for hours, rightly; with no worker it waits for ever)."""
        if self.status != self.Status.QUEUED:
            return ""
        waited = (now or timezone.now()) - self.created_at
        if waited < WORKER_PICKUP_GRACE:
            return ""
        minutes = int(waited.total_seconds() // 60)
        return (
            f"Waiting for a worker for {minutes} min: behind another run, "
            "or no Celery worker is consuming the `training` queue."
        )

    def status_message(self) -> str:
        """What staff read beside the run's bar: the waiting note while one applies."""
        return self.waiting_note() or self.step_message()

    def step_message(self) -> str:
        """The run's own words, or "Cancelling" once staff asked it to stop (training_run_cancel).
        Its steps go on writing theirs until they next check (a chunk that finishes, planning that
        ends, the heartbeat's progress), and those read as if the click had done nothing."""
        if self.status == self.Status.RUNNING and self.cancel_requested:
            return CANCELLING
        return self.message

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


class ModelVersionQuerySet(models.QuerySet["ModelVersion"]):
    def active(self) -> ModelVersionQuerySet:
        return self.filter(is_active=True)

    def available(self) -> ModelVersionQuerySet:
        """Versions whose files are still on disk (old ones are pruned, see versions.py)."""
        return self.filter(pruned_at__isnull=True)


class ModelVersion(models.Model):
    """One published artifact folder of a kind. At most one version per kind is active."""

    kind = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    # Relative to the artifact storage root (ARTIFACTS_ROOT), e.g. "trending/v0003".
    path = models.CharField(max_length=255)
    format_version = models.PositiveIntegerField()
    manifest = models.JSONField(default=dict)
    size_bytes = models.BigIntegerField(default=0)
    run = models.OneToOneField(
        TrainingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_version"
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the files were deleted to keep only the last ARTIFACTS_KEEP versions.
    pruned_at = models.DateTimeField(null=True, blank=True)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="one_row_per_kind_version"),
            # Serving reads "the" active version of a kind; the database guarantees there is one.
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_active=True), name="one_active_version_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"

    @property
    def was_held_back(self) -> bool:
        """Published by a run the quality gate held back (whether staff activated it since or not)."""
        return self.run is not None and self.run.held_back

    @property
    def held_back_unused(self) -> bool:
        """Held back and never activated since: nobody has seen it serve, no rollback target."""
        return self.was_held_back and self.activated_at is None


# A slot missed by more than this (beat was down) is skipped rather than trained in the middle of
# the shop's day; the next night's slot runs as usual.
SCHEDULE_GRACE = dt.timedelta(hours=1)


class TrainingSchedule(models.Model):
    """When beat trains a kind: daily at hour:minute UTC. Staff edit these rows in the admin.

    A row per kind is created with the nightly default the first time the schedule is read
    (training_schedule_tick), so kinds added later get a schedule without a migration.
    """

    kind = models.CharField(max_length=64, unique=True)
    enabled = models.BooleanField(default=True)
    # Validators as well as the constraint: a form then names the field and its range (the
    # constraint alone answered "Constraint “schedule_time_valid” is violated").
    hour = models.PositiveSmallIntegerField(
        default=3,
        help_text="0-23, UTC",
        validators=[MaxValueValidator(23, message="The hour is 0-23 (UTC), not %(show_value)s.")],
    )
    minute = models.PositiveSmallIntegerField(
        default=0,
        help_text="0-59",
        validators=[MaxValueValidator(59, message="The minute is 0-59, not %(show_value)s.")],
    )
    # Overrides of the kind's default parameters for scheduled runs.
    parameters = models.JSONField(default=dict, blank=True)
    last_triggered_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=Q(hour__lte=23) & Q(minute__lte=59), name="schedule_time_valid"),
        ]

    def __str__(self) -> str:
        state = "" if self.enabled else " (off)"
        return f"{self.kind} daily at {self.hour:02d}:{self.minute:02d} UTC{state}"

    def due_since(self, now: dt.datetime) -> dt.datetime | None:
        """Today's scheduled moment if it passed (within the grace) and was not triggered, else None."""
        if not self.enabled:
            return None
        slot = now.astimezone(dt.UTC).replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if slot > now or now - slot > SCHEDULE_GRACE:
            return None
        if self.last_triggered_at is not None and self.last_triggered_at >= slot:
            return None
        return slot

    def next_run(self, now: dt.datetime) -> dt.datetime | None:
        """The slot beat fires next (one that is due now fires at its next tick); None when off."""
        if not self.enabled:
            return None
        due = self.due_since(now)
        if due is not None:
            return due
        slot = now.astimezone(dt.UTC).replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        return slot if slot > now else slot + dt.timedelta(days=1)


# The content job's image feature cache lives with the rest of the content code.
from recommendations.content.models import ImageEmbedding  # noqa: E402

__all__ = ["ImageEmbedding", "ModelVersion", "TrainingRun", "TrainingSchedule"]
