"""Thin Celery tasks: ids in, one service call each. They own retries, time limits and the fan-out.

A training run is one `train_run` message. For a kind without chunks it trains right there; for a
kind with chunks it sends a chord: every chunk as a `run_chunk` task on the `chunks` queue (any
number of workers and machines), then `finish_run`, which trains and publishes once they all
finished. Retries of transient errors (database or Redis gone for a moment) back off
exponentially; other failures end the run as failed with the error recorded on it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, chord
from django.conf import settings
from django.db import connection

from catalog import retired_photos
from recommendations import training
from workers.celery import HARD_LIMIT_MARGIN_SECONDS, app

# Claiming a run or sending chunks fails only when the database or Redis is briefly away:
# 5, 10, 20, 40 then 60 s between attempts (with jitter) covers a failover without hammering.
RETRY_BACKOFF_SECONDS = 5
RETRY_BACKOFF_MAX_SECONDS = 60
MAX_RETRIES = 5
CHUNK_MAX_RETRIES = 5

logger = logging.getLogger(__name__)


@app.task(
    soft_time_limit=settings.TRAINING_SOFT_TIME_LIMIT,
    time_limit=settings.TRAINING_SOFT_TIME_LIMIT + HARD_LIMIT_MARGIN_SECONDS,
    autoretry_for=training.TRANSIENT_ERRORS,
    retry_backoff=RETRY_BACKOFF_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def train_run(run_id: int) -> None:
    chunks = training.training_run_start(run_id=run_id)
    if chunks is None:
        return
    if not chunks:
        training.training_run_finish(run_id=run_id)
        return
    header = [run_chunk.s(run_id, index, chunk) for index, chunk in enumerate(chunks)]
    chord(header)(finish_run.si(run_id))


@app.task(
    bind=True,
    # The chord counts finished chunks through their results.
    ignore_result=False,
    max_retries=CHUNK_MAX_RETRIES,
    soft_time_limit=settings.TRAINING_CHUNK_SOFT_TIME_LIMIT,
    time_limit=settings.TRAINING_CHUNK_SOFT_TIME_LIMIT + HARD_LIMIT_MARGIN_SECONDS,
)
def run_chunk(self: Task, run_id: int, index: int, chunk: dict[str, Any]) -> None:
    try:
        training.training_run_run_chunk(
            run_id=run_id, index=index, chunk=chunk, retry_transient=self.request.retries < CHUNK_MAX_RETRIES
        )
    except training.TRANSIENT_ERRORS as error:
        countdown = min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error


@app.task(
    soft_time_limit=settings.TRAINING_SOFT_TIME_LIMIT,
    time_limit=settings.TRAINING_SOFT_TIME_LIMIT + HARD_LIMIT_MARGIN_SECONDS,
)
def finish_run(run_id: int) -> None:
    training.training_run_finish(run_id=run_id)


@app.task
def training_schedule_tick() -> list[str]:
    return training.training_schedule_tick()


@app.task
def training_housekeeping() -> int:
    return training.training_housekeeping()


@app.task
def remove_retired_photos() -> int:
    if connection.vendor != "postgresql":
        # Only PostgreSQL has the advisory lock that keeps the sweep off a photo just written under
        # a retired name (catalog.retired_photos). With REDIS_URL set but no DATABASE_URL, beat
        # would sweep hourly beside uploads; the demo runs the command by hand instead.
        logger.warning(
            "Skipping the retired-photo sweep: the database is %s, not PostgreSQL, and only PostgreSQL "
            "keeps it off photos being stored. Run `manage.py remove_retired_photos` while no import "
            "or upload is going on.",
            connection.vendor,
        )
        return 0
    sweep = retired_photos.photos_remove_retired()
    if sweep.stopped_for_writer:
        # Once is an import or an upload at the wrong moment; every hour is a lock held for good
        # (a process stuck inside photos_being_stored), while retired files pile up.
        logger.warning(
            "The retired-photo sweep stopped after removing %d files: an import or a photo upload holds "
            "the photo writers' lock; %d retired files past their grace wait for the next round.",
            len(sweep.removed),
            sweep.left,
        )
    return len(sweep.removed)
