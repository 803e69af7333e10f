"""How long from trigger to an active trending version, and until a running web process serves it.

    DATABASE_URL=... [REDIS_URL=...] python benchmarks/training_ops_bench.py [--repeat 3] [--worker]

Runs on whatever data DATABASE_URL holds (the demo data after `make demo`, or an import). Prints,
measured in the same run:

- the bare trending computation (the kind's train() into a temporary folder: no run row, no
  manifest, no activation) as the baseline, and the whole backbone (trigger -> run -> publish
  -> activate) in-process and, with --worker and REDIS_URL, through a real Celery worker, each as
  a ratio to the baseline;
- how long a separate process that serves like a web process (calling serving.active_model in a
  loop) takes to serve a newly activated version, against SERVING_VERSION_CHECK_SECONDS.

It adds training runs and versions of `trending` to that database, like any retrain would.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")
os.environ.setdefault("ALLOW_INSECURE_SECRET_KEY", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Purchase  # noqa: E402
from recommendations import trending  # noqa: E402
from recommendations.models import ModelVersion, TrainingRun  # noqa: E402
from recommendations.registry import TrainingContext  # noqa: E402
from recommendations.training import training_run_execute_in_process, training_run_request  # noqa: E402

# The stand-in web process: serves like gunicorn would and prints each version it starts serving.
SERVER_SNIPPET = """
import os, sys, time, django
django.setup()
from recommendations import serving
last = object()
print("ready", flush=True)
while True:
    serving.active_model("trending")
    state = serving.serving_state("trending")
    if state["loaded_version_id"] != last:
        last = state["loaded_version_id"]
        print(last, time.time(), flush=True)
    time.sleep(0.01)
"""


def bare_trending_seconds() -> float:
    run = TrainingRun(kind="trending", parameters=trending.KIND.merged_parameters({}))
    with tempfile.TemporaryDirectory() as folder:
        context = TrainingContext(
            run=run,
            workdir=Path(folder),
            parameters=dict(run.parameters),
            scratch_dir=Path(folder),
            active_artifact=None,
            report_progress=lambda percent, message: None,
            is_cancelled=lambda: False,
        )
        started = time.perf_counter()
        trending.train(context)
        return time.perf_counter() - started


def trigger_to_activation_seconds(*, through_worker: bool) -> float:
    started = timezone.now()
    run = training_run_request(kind_name="trending", dispatch=through_worker)
    if not through_worker:
        training_run_execute_in_process(run_id=run.pk)
    while True:
        run.refresh_from_db()
        if not run.is_in_progress:
            break
        time.sleep(0.02)
    if run.status != TrainingRun.Status.SUCCEEDED:
        raise SystemExit(f"Run #{run.pk} {run.status}: {run.error}")
    version = ModelVersion.objects.get(run=run)
    assert version.activated_at is not None
    return (version.activated_at - started).total_seconds()


def start_worker() -> subprocess.Popen[bytes]:
    from workers.celery import app

    app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "--concurrency=1", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "-n", f"bench-{os.getpid()}@%h"],
        cwd=REPO_ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # A first run warms the worker up (imports, connections): not what a retrain costs.
    trigger_to_activation_seconds(through_worker=True)
    return worker


def pickup_seconds(repeat: int, *, through_worker: bool) -> list[float]:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_SNIPPET],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert server.stdout is not None
    try:
        assert server.stdout.readline().strip() == "ready"
        server.stdout.readline()  # the version it serves at start
        delays = []
        interval = check_interval()
        for _ in range(repeat):
            # Activations arrive at random moments of a process's check cycle, not right after a check.
            time.sleep(random.uniform(0, interval))
            trigger_to_activation_seconds(through_worker=through_worker)
            version = ModelVersion.objects.get(kind="trending", is_active=True)
            assert version.activated_at is not None
            while True:
                served, seen_at = server.stdout.readline().split()
                if served == str(version.pk):
                    break
            delays.append(float(seen_at) - version.activated_at.timestamp())
        return delays
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def check_interval() -> float:
    """How often a running process looks for a new version: the cache key, or the database without Redis."""
    if settings.REDIS_URL:
        return float(settings.SERVING_VERSION_CHECK_SECONDS)
    return float(max(settings.SERVING_VERSION_CHECK_SECONDS, settings.SERVING_DB_FALLBACK_SECONDS))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--worker", action="store_true", help="also measure through a Celery worker (REDIS_URL)"
    )
    args = parser.parse_args()

    purchases = Purchase.objects.count()
    if not purchases:
        raise SystemExit("No purchases in this database: import data (or run make demo) first.")
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, {purchases} purchases")

    bare = statistics.median(bare_trending_seconds() for _ in range(args.repeat))
    print(f"bare trending computation:            {bare:7.3f} s  (baseline)")
    in_process = statistics.median(
        trigger_to_activation_seconds(through_worker=False) for _ in range(args.repeat)
    )
    print(f"trigger -> active, in-process:        {in_process:7.3f} s  ({in_process / bare:.2f}x baseline)")

    worker = None
    if args.worker:
        if not settings.REDIS_URL:
            raise SystemExit("--worker needs REDIS_URL (a broker).")
        worker = start_worker()
    try:
        if worker is not None:
            times = [trigger_to_activation_seconds(through_worker=True) for _ in range(args.repeat)]
            through = statistics.median(times)
            print(f"trigger -> active, through a worker:  {through:7.3f} s  ({through / bare:.2f}x baseline)")
        delays = pickup_seconds(args.repeat, through_worker=worker is not None)
        interval = check_interval()
        print(
            f"active -> served by a running process: median {statistics.median(delays):.2f} s, "
            f"max {max(delays):.2f} s  (check interval {interval:.1f} s; "
            f"max/interval {max(delays) / interval:.2f})"
        )
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait()


if __name__ == "__main__":
    main()
