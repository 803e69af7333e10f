"""The Celery app. Broker: Redis from REDIS_URL; without it nothing is sent to Celery at all.

Start a worker for every queue with `celery -A workers worker` (it consumes all of `task_queues`),
or dedicate machines: `-Q training` for finishing steps, `-Q chunks` (many processes, many
machines) for fanned-out work. `celery -A workers beat` runs the schedule: a one-minute tick reads
the staff-editable TrainingSchedule rows (nightly by default) and sweeps stale runs, and an hourly
one removes photo files retired past their grace period (catalog.retired_photos).

Without REDIS_URL (the demo) recommendations.training runs jobs in a thread of the process that
triggered them, and CELERY_TASK_ALWAYS_EAGER makes any direct .delay() run in-process too.
"""

import os
import signal
import threading
import time
from typing import Any

from celery import Celery
from celery.signals import beat_embedded_init
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")

from django.conf import settings

app = Celery("storefront")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Margin between a task's soft limit (an exception the task turns into a failed run) and its hard
# limit (the pool kills the process): time to write the failure and clean up.
HARD_LIMIT_MARGIN_SECONDS = 300
# How often beat removes photo files retired past RETIRED_PHOTOS_GRACE_SECONDS: a file removed up to
# an hour after its grace costs only disk, and a sweep that a running import stopped tries again.
PHOTO_HOUSEKEEPING_SECONDS = 3600.0

app.conf.update(
    # Chords (chunks as a group, then the finishing step) need a result backend to count finished
    # chunks; Redis is already there. Results are only bookkeeping: runs live in the database ...
    result_backend=settings.REDIS_URL or None,
    result_expires=24 * 3600,
    # ... so only chunk tasks store one; the rest ignore theirs (a sender would otherwise also
    # need the result backend, and wait on it for 20 s when Redis is down before saying so).
    task_ignore_result=True,
    # Every task is idempotent (it claims its run by id, chunks overwrite their own output), so
    # acknowledge after the work is done: a message whose worker dies is delivered again instead
    # of being lost ...
    task_acks_late=True,
    # ... including when the pool process is killed (OOM, hard time limit). The redelivered
    # message finds its run no longer queued and does nothing; the heartbeat sweep fails the run.
    task_reject_on_worker_lost=True,
    # Jobs take minutes to hours: a worker reserving several would sit on them while other
    # workers idle. Reserve one at a time.
    worker_prefetch_multiplier=1,
    # Training libraries (torch, BLAS) keep memory after a job; a fresh pool process per few jobs
    # returns it to the machine.
    worker_max_tasks_per_child=10,
    # Separate queues so that short chunk tasks are not stuck behind an hour-long finishing step,
    # and so machines can be dedicated to one kind of work; housekeeping (beat's ticks) is tiny.
    # Each queue gets its own routing key: left to the defaults, all three would be bound to the
    # default key and every message would be delivered to every queue.
    task_queues=tuple(Queue(name, routing_key=name) for name in ("training", "chunks", "housekeeping")),
    task_default_queue="housekeeping",
    task_routes={
        "workers.tasks.train_run": {"queue": "training"},
        "workers.tasks.finish_run": {"queue": "training"},
        "workers.tasks.run_chunk": {"queue": "chunks"},
    },
    # With late acknowledgement Redis redelivers a message not acknowledged within the visibility
    # timeout, even one still being worked on; it must outlast the longest task (the hard limit).
    broker_transport_options={
        "visibility_timeout": settings.TRAINING_SOFT_TIME_LIMIT + 2 * HARD_LIMIT_MARGIN_SECONDS
    },
    # A web process triggering a run while Redis is down must answer "queue unavailable" within a
    # second or two, not hang: few, quick publish retries and a short connect timeout.
    task_publish_retry_policy={
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    },
    broker_connection_timeout=2,
    redis_socket_connect_timeout=2,
    redis_socket_timeout=10,
    # A worker started before Redis keeps trying to connect instead of exiting.
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    beat_schedule={
        # Reads TrainingSchedule (editable in the admin) and starts runs whose daily slot came.
        "training-schedule": {
            "task": "workers.tasks.training_schedule_tick",
            "schedule": 60.0,
            # A tick that waited longer than its period is useless; the next one does the job.
            "options": {"expires": 55},
        },
        # Fails runs whose worker stopped beating, so a killed worker never holds a kind's lock long.
        "training-housekeeping": {
            "task": "workers.tasks.training_housekeeping",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        # Removes the photo files of replaced photos and deleted articles once past their grace.
        "photo-housekeeping": {
            "task": "workers.tasks.remove_retired_photos",
            "schedule": PHOTO_HOUSEKEEPING_SECONDS,
            "options": {"expires": PHOTO_HOUSEKEEPING_SECONDS - 60},
        },
    },
)
app.autodiscover_tasks(["workers"])

PARENT_CHECK_SECONDS = 1.0


@beat_embedded_init.connect
def stop_with_the_worker(**_kwargs: Any) -> None:
    """`celery worker --beat` (the demo's) runs beat in a child process, which a worker killed with
    SIGKILL (the OOM killer, kill -9) leaves behind, still sending the schedule; the restarted
    worker then starts a second beat beside it. So the child watches its parent and, when it is
    gone, ends itself as on a SIGTERM (beat saves its schedule and exits)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="stop-with-the-worker", daemon=True).start()
