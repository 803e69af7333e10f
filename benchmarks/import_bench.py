"""import_hm against a bare `psql \\copy` of the same csv files, measured in the same run.

    .venv/bin/python benchmarks/import_bench.py [--customers 150000 --articles 20000 --weeks 26]

Generates a data set (no photos; the default is about 2.8M purchase rows), then, in a scratch
database, times (1) `psql \\copy` of articles.csv, customers.csv and transactions_train.csv into
plain tables with the same columns and types and no indexes or keys, and (2) the importer loading
the same files into the shop's tables: staging, upserts, slugs, search documents, the customer id
rewrite, index and foreign-key rebuilds, ANALYZE and the articles' price/popularity refresh.
Prints both times, the ratio (target: importer within 1.5x of bare COPY) and where the time went,
then times re-importing the data's last week alone (a weekly update) and where that time went.
The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=150_000)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="repeat both, keep the best of each")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench" / "import")
    parser.add_argument(
        "--server", default=os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL (without database); a scratch database is created there",
    )  # fmt: skip
    parser.add_argument("--database", default="import_bench")
    args = parser.parse_args()

    url = f"{args.server.rstrip('/')}/{args.database}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="storefront.settings",
        DATABASE_URL=url,
        ALLOW_INSECURE_SECRET_KEY="1",
        REDIS_URL="",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from catalog.demo_data.generate import DemoDataOptions, generate_demo_data
    from catalog.importer.dataset import import_dataset
    from catalog.importer.schema import ARTICLES, CUSTOMERS, TRANSACTIONS
    from catalog.progress import SilentProgress

    started = time.monotonic()
    summary = generate_demo_data(
        args.data_dir,
        options=DemoDataOptions(
            articles=args.articles, customers=args.customers, weeks=args.weeks, seed=args.seed, images=False
        ),
        progress=SilentProgress(),
        force=True,
    )
    files = (ARTICLES, CUSTOMERS, TRANSACTIONS)
    size_mb = sum((args.data_dir / schema.filename).stat().st_size for schema in files) / 2**20
    print(
        f"data: {summary.articles:,} articles, {summary.customers:,} customers, "
        f"{summary.transactions:,} purchases ({size_mb:,.0f} MiB), "
        f"generated in {time.monotonic() - started:.1f} s"
    )

    with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    try:
        call_command("migrate", verbosity=0)
        best_copy, best_import, best_timings = float("inf"), float("inf"), {}
        for _ in range(args.rounds):
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE accounts_purchase, accounts_customer, catalog_article")
            _settle(url)
            copy_seconds = _bare_copy(url, args.data_dir, files)
            _settle(url)
            began = time.monotonic()
            result = import_dataset(args.data_dir, progress=SilentProgress(), images=False)
            import_seconds = time.monotonic() - began
            best_copy = min(best_copy, copy_seconds)
            if import_seconds < best_import:
                best_import, best_timings = import_seconds, result.timings
        _report(best_copy, best_import, best_timings)
        _settle(url)
        _weekly(args.data_dir, import_dataset, SilentProgress)
    finally:
        connection.close()
        with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')


def _settle(url: str) -> None:
    """Flushes what earlier steps left to write (the generated files, the last load's WAL and
    dirty buffers), so that neither timed step pays for the one before it."""
    os.sync()
    # A role without pg_checkpoint cannot: the timings then include background writes.
    with (
        psycopg.connect(url, autocommit=True) as db,
        contextlib.suppress(psycopg.errors.InsufficientPrivilege),
    ):
        db.execute("CHECKPOINT")


def _bare_copy(url: str, data_dir: Path, schemas) -> float:
    """Plain tables with the csv's columns and types, no keys or indexes; one `psql \\copy` each."""
    with psycopg.connect(url, autocommit=True) as db:
        for schema in schemas:
            table = f"bare_{schema.filename.split('.')[0]}"
            columns = ", ".join(f'"{column.name}" {column.sql_type}' for column in schema.columns)
            db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute(f"CREATE TABLE {table} ({columns})")
    began = time.monotonic()
    for schema in schemas:
        table = f"bare_{schema.filename.split('.')[0]}"
        subprocess.run(
            ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
             f"\\copy {table} FROM '{data_dir / schema.filename}' WITH (FORMAT csv, HEADER true)"],
            check=True,
        )  # fmt: skip
    return time.monotonic() - began


def _report(copy_seconds: float, import_seconds: float, timings: dict[str, float]) -> None:
    print(f"bare psql \\copy of the 3 csv files into plain tables: {copy_seconds:6.2f} s")
    print(f"import_hm (no photos):                                 {import_seconds:6.2f} s")
    print(f"ratio import_hm / bare copy: {import_seconds / copy_seconds:.2f}x (target: 1.5x or less)")
    print("where the importer's time went:")
    for step, seconds in timings.items():
        print(f"  {step:<45} {seconds:6.2f} s")
    derived = ("transactions: rebuild indexes", "transactions: analyze", "transactions: article statistics")
    extra = sum(seconds for step, seconds in timings.items() if step in derived)
    print(
        f"ratio without the work bare COPY does not do (indexes, keys, ANALYZE, article statistics): "
        f"{(import_seconds - extra) / copy_seconds:.2f}x"
    )


def _weekly(data_dir: Path, import_dataset, progress) -> None:
    """Re-imports the data's last week alone (the weekly-update case): it replaces those dates only,
    keeps the indexes in place and refreshes the statistics incrementally."""
    weekly = data_dir / "weekly"
    weekly.mkdir(exist_ok=True)
    source = data_dir / "transactions_train.csv"
    with source.open("rb") as handle:
        handle.readline()
        last_day = max(line[:10] for line in handle)
    first_day = (dt.date.fromisoformat(last_day.decode()) - dt.timedelta(days=6)).isoformat().encode()
    rows = 0
    with source.open("rb") as handle, (weekly / source.name).open("wb") as out:
        out.write(handle.readline())
        for line in handle:
            if line[:10] >= first_day:
                out.write(line)
                rows += 1
    began = time.monotonic()
    result = import_dataset(weekly, progress=progress(), images=False)
    print(f"re-importing the last week alone ({rows:,} purchases): {time.monotonic() - began:6.2f} s")
    for step, seconds in result.timings.items():
        print(f"  {step:<45} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
