"""The shop under many concurrent shoppers, served the project's way (scripts/serve-demo.sh:
gunicorn with the Celery worker beside it).

    DATABASE_URL=postgres://…/shop REDIS_URL=redis://…/N .venv/bin/python benchmarks/load_bench.py \
        [--seconds 60] [--concurrency 16] [--retrain collaborative] [--small]

Against the database in DATABASE_URL (imported and trained), or with --small a small generated one
(`<database>_small`, built once). First /healthz alone for a few seconds (the baseline: no database,
no template), then a mix of anonymous pages (home, categories at random pages and sorts, product
pages, searches with typos), API lists and details, "For you" and "also bought" with the tokens of
several customers, and a small share of photo searches. Prints requests/s, p50/p95/p99 and errors
per endpoint group, each group's p50 against the baseline's, the memory of each gunicorn worker,
the most PostgreSQL connections seen, and with --retrain, what publishing a new version of that
kind mid-load did: the slowest requests around it and which version every worker serves at the end.

Creates logins `loadbench-N` (linked to busy customers) and `loadbench-staff` with API tokens,
reused by later runs. Clients pose as many addresses (X-Forwarded-For, with BEHIND_PROXY=1) so the
per-address search limits act as they would for real shoppers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load_client import GroupStats, Request, Timeline, drive, multipart_body, percentile  # noqa: E402
from benchmarks.load_server import ServerProcess, memory_of, postgres_connections  # noqa: E402
from benchmarks.load_targets import CATEGORY_SORTS, SEARCH_QUERIES, Targets  # noqa: E402

HOST = "127.0.0.1"
# Share of each endpoint group in the mix (per 100 requests).
MIX = {
    "home": 15,
    "category": 20,
    "product": 18,
    "search": 12,
    "api_list": 8,
    "api_detail": 8,
    "for_you": 8,
    "also_bought": 6,
    "photo_upload": 2,
    "static": 3,
    "healthz": 3,
}
# With --media, each page view also fetches this many card photos (where Django serves them).
THUMBNAILS_PER_100 = 30
CLIENT_ADDRESSES = 400
CATEGORY_PAGE_SIZE = 24  # catalog's page size: pick pages that exist


def build_chooser(targets: Targets, *, media: bool, photo_share: int) -> Callable[[random.Random], Request]:
    mix = {**MIX, "photo_upload": photo_share}
    if media and targets.thumbnails:
        mix["thumbnail"] = THUMBNAILS_PER_100
    groups = list(mix)
    weights = [mix[group] for group in groups]
    photo_bodies = [multipart_body("image", "photo.jpg", photo, "image/jpeg") for photo in targets.photos]

    def choose(rng: random.Random) -> Request:
        group = rng.choices(groups, weights)[0]
        address = f"10.{rng.randrange(2)}.{rng.randrange(CLIENT_ADDRESSES // 2)}.{rng.randrange(1, 250)}"
        anonymous = (("X-Forwarded-For", address),)
        if group == "home":
            return Request(group, "GET", "/", anonymous)
        if group == "category":
            url, count = rng.choice(targets.categories)
            pages = max(1, min(50, -(-count // CATEGORY_PAGE_SIZE)))
            query = [f"page={rng.randrange(1, pages + 1)}"]
            sort = rng.choice(CATEGORY_SORTS)
            if sort:
                query.append(f"sort={sort}")
            return Request(group, "GET", f"{url}?{'&'.join(query)}", anonymous)
        if group == "product":
            return Request(group, "GET", rng.choice(targets.articles)[1], anonymous)
        if group == "search":
            words = rng.choice(SEARCH_QUERIES).replace(" ", "+")
            return Request(group, "GET", f"/search/?q={words}", anonymous)
        if group == "api_list":
            page = rng.randrange(1, 40)
            return Request(group, "GET", f"/api/v1/articles/?page={page}", anonymous)
        if group == "api_detail":
            return Request(group, "GET", f"/api/v1/articles/{rng.choice(targets.articles)[0]}/", anonymous)
        token = (("Authorization", f"Token {rng.choice(targets.tokens)}"), *anonymous)
        if group == "for_you":
            return Request(group, "GET", "/api/v1/me/recommendations/?k=12", token)
        if group == "also_bought":
            article_id = rng.choice(targets.articles)[0]
            return Request(group, "GET", f"/api/v1/articles/{article_id}/also-bought/", token)
        if group == "static":
            return Request(group, "GET", rng.choice(targets.static_files), anonymous)
        if group == "thumbnail":
            return Request(group, "GET", rng.choice(targets.thumbnails), anonymous)
        if group == "photo_upload" and photo_bodies:
            body, content_type = rng.choice(photo_bodies)
            headers = (*token, ("Content-Type", content_type))
            return Request(group, "POST", "/api/v1/search/image/", headers, body)
        return Request("healthz", "GET", "/healthz", anonymous)

    return choose


def print_table(title: str, stats: dict[str, GroupStats], seconds: float, baseline_p50: float) -> None:
    print(f"\n{title}")
    print(
        f"{'group':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'p50/base':>10}  statuses"
    )
    total = GroupStats()
    for group in [*MIX, *sorted(set(stats) - set(MIX))]:
        if group not in stats:
            continue
        row = stats[group]
        total.latencies += row.latencies
        total.errors += row.errors
        _print_row(group, row, seconds, baseline_p50)
    _print_row("all", total, seconds, baseline_p50)


def _print_row(group: str, row: GroupStats, seconds: float, baseline_p50: float) -> None:
    p50 = percentile(row.latencies, 0.5)
    statuses = " ".join(f"{status}:{count}" for status, count in sorted(row.statuses.items()))
    print(
        f"{group:<14}{len(row.latencies):>9}{len(row.latencies) / seconds:>8.1f}{p50 * 1000:>9.1f}"
        f"{percentile(row.latencies, 0.95) * 1000:>9.1f}{percentile(row.latencies, 0.99) * 1000:>9.1f}"
        f"{max(row.latencies, default=0) * 1000:>9.1f}{row.errors:>8}{p50 / baseline_p50:>10.1f}  {statuses}"
    )


def print_timeline(timeline: Timeline, marks: dict[str, float]) -> None:
    """The slowest request and p95 per 2-second window, with what happened when."""
    print("\nlatency over time (2 s windows): window, requests, p95 ms, max ms (group of the max)")
    windows: dict[int, list[tuple[float, str]]] = {}
    for start, seconds, group in timeline.samples:
        windows.setdefault(int(start // 2), []).append((seconds, group))
    events = {int(at // 2): name for name, at in marks.items()}
    for window in sorted(windows):
        rows = windows[window]
        slowest = max(rows)
        p95 = percentile([seconds for seconds, _ in rows], 0.95)
        event = f"  <- {events[window]}" if window in events else ""
        print(
            f"  {window * 2:>4}s {len(rows):>5} {p95 * 1000:>8.0f} {slowest[0] * 1000:>8.0f}"
            f" ({slowest[1]}){event}"
        )


async def sample_resources(database: str, until: float, seen: dict[str, float]) -> None:
    while time.monotonic() < until:
        seen["pg_connections"] = max(seen.get("pg_connections", 0), postgres_connections(database))
        await asyncio.sleep(1)


@dataclass
class RunSummary:
    label: str
    rate: float
    baseline_rate: float
    stats: dict[str, GroupStats]
    memory: list[dict[str, float]] = field(default_factory=list)
    pg_connections: float = 0


def run_mix(
    args: argparse.Namespace,
    server: ServerProcess,
    choose: Callable[[random.Random], Request],
    label: str,
    staff_token: str,
) -> RunSummary:
    timeline = Timeline(started=time.monotonic())
    seen: dict[str, float] = {}
    marks: dict[str, float] = {}
    database = server.env["DATABASE_URL"].rsplit("/", 1)[-1]

    async def retrain_midway() -> None:
        await asyncio.sleep(args.seconds / 4)
        marks["retrain queued"] = time.monotonic() - timeline.started
        before = server.active_version(args.retrain)
        try:
            await asyncio.to_thread(server.manage, "train", args.retrain)
        except RuntimeError as error:
            print(f"\nCould not start the retrain: {error}")
            return
        while time.monotonic() - timeline.started < args.seconds:
            if server.active_version(args.retrain) != before:
                marks[f"{args.retrain} activated"] = time.monotonic() - timeline.started
                return
            await asyncio.sleep(0.5)
        print(f"\nThe {args.retrain} retrain did not finish during the load: lengthen --seconds.")
        # Stopping the worker now would leave the run "running" until the stale-run sweep.
        while server.active_version(args.retrain) == before and server.runs_in_progress(args.retrain):
            await asyncio.sleep(1)

    async def switch_versions() -> None:
        """Roll back to the previous version a third in, forward again two thirds in."""
        newest, previous, *_ = [*server.available_versions(args.switch), 0, 0]
        if not previous:
            print(f"\n--switch {args.switch}: no previous version to switch to (train it twice).")
            return
        for fraction, version_id, name in ((1 / 3, previous, "back"), (2 / 3, newest, "forward")):
            await asyncio.sleep(timeline.started + args.seconds * fraction - time.monotonic())
            status = await asyncio.to_thread(server.activate, version_id, staff_token)
            marks[f"{args.switch} switched {name} ({status})"] = time.monotonic() - timeline.started

    async def everything() -> dict[str, GroupStats]:
        tasks = [sample_resources(database, time.monotonic() + args.seconds, seen)]
        if args.retrain:
            tasks.append(retrain_midway())
        if args.switch:
            tasks.append(switch_versions())
        load = drive(
            HOST,
            args.port,
            next_request=choose,
            concurrency=args.concurrency,
            seconds=args.seconds,
            seed=args.seed,
            timeline=timeline,
        )
        stats, *_ = await asyncio.gather(load, *tasks)
        assert stats is not None
        return stats

    baseline = asyncio.run(
        drive(
            HOST,
            args.port,
            next_request=lambda rng: Request("healthz", "GET", "/healthz"),
            concurrency=args.concurrency,
            seconds=args.baseline_seconds,
            seed=args.seed,
        )
    )
    baseline_p50 = percentile(baseline["healthz"].latencies, 0.5)
    print_table(
        f"[{label}] baseline: /healthz alone, {args.baseline_seconds:.0f} s",
        baseline,
        args.baseline_seconds,
        baseline_p50,
    )
    stats = asyncio.run(everything())
    print_table(
        f"[{label}] mixed load: {args.concurrency} shoppers, {args.seconds:.0f} s",
        stats,
        args.seconds,
        baseline_p50,
    )
    total = sum(len(row.latencies) for row in stats.values())
    baseline_rate = len(baseline["healthz"].latencies) / args.baseline_seconds
    rate = total / args.seconds
    print(f"\nmix throughput {rate:.1f} req/s = {rate / baseline_rate:.3f} x baseline ({baseline_rate:.1f})")
    print(f"most PostgreSQL connections to {database}: {seen.get('pg_connections', 0):.0f}")
    if args.retrain or args.switch:
        print_timeline(timeline, marks)
    for kind in filter(None, (args.retrain, args.switch)):
        print(f"active {kind} version at the end: {server.active_version(kind)}")
    print("\ngunicorn workers (MiB): pid, rss, pss, private, shared; model versions mapped")
    memory = []
    for pid in server.worker_pids():
        memory.append(memory_of(pid))
        print(
            f"  {pid:>7} {memory[-1]['rss']:>7.0f} {memory[-1]['pss']:>7.0f} {memory[-1]['private']:>7.0f} "
            f"{memory[-1]['shared']:>7.0f}  {' '.join(server.mapped_versions(pid)) or '-'}"
        )
    return RunSummary(label, rate, baseline_rate, stats, memory, seen.get("pg_connections", 0))


def print_summary(runs: list[RunSummary]) -> None:
    print(
        "\nsummary: variant, mix req/s (x baseline), p50/p95/p99 ms of all, errors, "
        "photo p95, healthz p95 in the mix, workers' total PSS MiB, most db connections"
    )
    for run in runs:
        everything = [seconds for row in run.stats.values() for seconds in row.latencies]
        errors = sum(row.errors for row in run.stats.values())
        photo = run.stats.get("photo_upload", GroupStats()).latencies
        healthz = run.stats.get("healthz", GroupStats()).latencies
        print(
            f"  {run.label:<16} {run.rate:6.1f} ({run.rate / run.baseline_rate:.3f})"
            f" {percentile(everything, 0.5) * 1000:6.0f} {percentile(everything, 0.95) * 1000:6.0f}"
            f" {percentile(everything, 0.99) * 1000:6.0f} {errors:5d}"
            f" {percentile(photo, 0.95) * 1000:6.0f} {percentile(healthz, 0.95) * 1000:6.0f}"
            f" {sum(memory['pss'] for memory in run.memory):7.0f} {run.pg_connections:4.0f}"
        )


def parse_variant(text: str) -> tuple[str, str]:
    label, _, gunicorn_args = text.partition("=")
    return label, gunicorn_args


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--logins", type=int, default=20, help="customers whose API tokens the mix uses")
    parser.add_argument("--retrain", choices=["trending", "collaborative", "content"])
    parser.add_argument(
        "--switch",
        choices=["trending", "collaborative", "content"],
        help="activate the previous version a third in and the newest again two thirds in (no training)",
    )
    parser.add_argument(
        "--photo-share", type=int, default=MIX["photo_upload"], help="photo searches per 100 requests"
    )
    parser.add_argument("--media", action="store_true", help="card photos too (SERVE_MEDIA=1, as the demo)")
    parser.add_argument(
        "--variant",
        action="append",
        type=parse_variant,
        help="LABEL=GUNICORN_CMD_ARGS: also serve with these gunicorn settings (A/B in one run)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="serve every variant this many times, in turn")
    parser.add_argument(
        "--small", action="store_true", help="use (and build once) a small generated database"
    )
    args = parser.parse_args()

    env = {
        **os.environ,
        "ALLOW_INSECURE_SECRET_KEY": "1",
        "HTTPS": "0",
        "BEHIND_PROXY": "1",
        "PORT": str(args.port),
    }
    if not env.get("DATABASE_URL", "").startswith("postgres") or not env.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the shop is served as in production.")
    server = ServerProcess(ROOT, env)
    if args.small:
        server.build_small_database()
    targets = server.collect_targets(logins=args.logins)
    print(
        f"{len(targets.categories)} category URLs, {len(targets.articles)} articles, "
        f"{len(targets.tokens)} customer tokens, {len(targets.photos)} photos",
        flush=True,
    )
    choose = build_chooser(targets, media=args.media, photo_share=args.photo_share)
    variants = [("as configured", env.get("GUNICORN_CMD_ARGS", "")), *(args.variant or [])]
    runs = []
    for round_number in range(1, args.rounds + 1):
        for label, gunicorn_args in variants:
            server.env["GUNICORN_CMD_ARGS"] = gunicorn_args
            server.start()
            try:
                runs.append(run_mix(args, server, choose, f"{label} #{round_number}", targets.staff_token))
            finally:
                server.stop()
    print_summary(runs)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
