"""`python manage.py train KIND [--wait] [--in-process] [--param NAME=VALUE ...]`.

The same service as the admin button, the API and beat (recommendations.training). With a broker
(REDIS_URL) the run goes to the workers, and --wait follows it; without one, or with
--in-process, it runs in this process and the command waits for it either way.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog.progress import refresh_seconds
from recommendations import training
from recommendations.models import TrainingRun
from recommendations.registry import all_kinds
from storefront.migration_state import refuse_unmigrated_database

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Train a model kind (e.g. trending) through the training backbone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="One of: " + ", ".join(kind.name for kind in all_kinds()))
        parser.add_argument(
            "--wait", action="store_true", help="Follow the run until it ends (with a broker)."
        )
        parser.add_argument(
            "--in-process", action="store_true", help="Run here instead of on a worker, even with a broker."
        )
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="Override a default parameter of the kind (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unmigrated_database()
        parameters = {}
        for item in options["param"]:
            name, separator, value = item.partition("=")
            if not separator:
                raise CommandError(f"--param {item!r}: expected NAME=VALUE.")
            parameters[name.strip()] = value
        in_process = options["in_process"] or settings.CELERY_TASK_ALWAYS_EAGER
        try:
            run = training.training_run_request(
                kind_name=options["kind"],
                parameters=parameters,
                trigger=TrainingRun.Trigger.COMMAND,
                dispatch=not in_process,
            )
        except (LookupError, ValueError, training.RunAlreadyInProgress, training.QueueUnavailable) as error:
            raise CommandError(str(error)) from None

        if in_process:
            self.stdout.write(f"Training {run.kind} in this process (run #{run.pk}).")
            worker = threading.Thread(
                target=training.training_run_execute_in_thread, args=(run.pk,), name=f"training-run-{run.pk}"
            )
            worker.start()
            try:
                run = self._follow(run.pk, worker)
            except KeyboardInterrupt:
                # Ctrl-C is how a person stops this command: say what became of the run, with the
                # exit status of an interrupted command, instead of a Python traceback.
                with contextlib.suppress(ValueError):  # it ended at that very moment
                    training.training_run_cancel(run=run)
                worker.join()
                run.refresh_from_db(fields=["status", "held_back"])
                activated = run.status == TrainingRun.Status.SUCCEEDED and not run.held_back
                outcome = "its version is active" if activated else "nothing from it was activated"
                raise CommandError(
                    f"Interrupted: {run.kind} run #{run.pk} {run.status}; {outcome}.", returncode=130
                ) from None
        elif options["wait"]:
            self.stdout.write(
                f"Queued {run.kind} run #{run.pk}; following it (Ctrl-C stops following, not the run)."
            )
            try:
                run = self._follow(run.pk, None)
            except KeyboardInterrupt:
                raise CommandError(
                    f"Stopped following {run.kind} run #{run.pk}; it goes on. Follow it in the admin, "
                    f"at /api/v1/training-runs/{run.pk}/, or cancel it there.",
                    returncode=130,
                ) from None
        else:
            self.stdout.write(
                f"Queued {run.kind} run #{run.pk}. Follow it in the admin, at "
                f"/api/v1/training-runs/{run.pk}/, or run this command with --wait."
            )
            return
        self._report(run)

    def _follow(self, run_id: int, worker: threading.Thread | None) -> TrainingRun:
        with tqdm(
            total=100,
            unit="%",
            bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}]",
            mininterval=refresh_seconds(sys.stderr),
        ) as bar:
            while True:
                if worker is None:
                    # With no worker left to run beat's sweep, a killed worker's run stayed
                    # "running" and this loop followed it for ever.
                    training.training_runs_fail_stale()
                run = TrainingRun.objects.get(pk=run_id)
                # Not redrawn here: the update below redraws at most every refresh_seconds (this
                # redrew twice a second, which a log file or a pipe keeps every one of).
                bar.set_description(run.message[:60] or run.status, refresh=False)
                bar.update(run.progress - bar.n)
                if not run.is_in_progress and (worker is None or not worker.is_alive()):
                    return run
                time.sleep(POLL_SECONDS)

    def _report(self, run: TrainingRun) -> None:
        duration = run.duration.total_seconds() if run.duration else 0.0
        if run.status != TrainingRun.Status.SUCCEEDED:
            # The error starts with the message; what follows (a traceback, if any) is shown once.
            details = run.error.removeprefix(run.message).strip()
            raise CommandError(
                f"{run.kind} run #{run.pk} {run.status} after {duration:.1f} s: {run.message}"
                + (f"\n\n{details}" if details else "")
            )
        metrics = ", ".join(f"{name}={value}" for name, value in sorted(run.metrics.items()))
        if run.held_back:
            # Published, but the quality gate left the previous version serving: not a success
            # to print in green (the message ends its own sentence).
            self.stdout.write(
                self.style.WARNING(f"{run.kind} run #{run.pk} ended in {duration:.1f} s. {run.message}")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"{run.kind} run #{run.pk} succeeded in {duration:.1f} s: {run.message}.")
            )
        if metrics:
            self.stdout.write(f"Metrics: {metrics}")
