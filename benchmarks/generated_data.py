"""What several benchmarks share: generated data sets under var/bench/, and their own databases."""

from __future__ import annotations

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def generated(name: str, *, customers: int, articles: int, weeks: int, seed: int) -> Path:
    """A demo data set without photos in var/bench/NAME-..., generated once and then reused while
    the generator's code is the same (a folder written by another version is written again).

    Needs Django set up (it runs the generate_demo_data command).
    """
    from django.core.management import call_command

    from catalog.demo_data.generate import MARKER, generator_fingerprint

    folder = REPO_ROOT / "var" / "bench" / f"{name}-{customers}c-{articles}a-{weeks}w-s{seed}"
    marker = folder / MARKER
    if not marker.exists() or json.loads(marker.read_text()).get("generator") != generator_fingerprint():
        print(
            f"Generating {customers:,} customers, {articles:,} articles, {weeks} weeks into {folder}",
            flush=True,
        )
        call_command(
            "generate_demo_data",
            str(folder),
            customers=customers,
            articles=articles,
            weeks=weeks,
            seed=seed,
            no_images=True,
            force=True,
            verbosity=0,
        )
    return folder


def own_artifacts_root(database_url: str) -> str:
    """var/bench/artifacts/<database>: run ids and version numbers are per database, so two
    benchmark databases sharing the shop's artifacts folder would mix their scratch and version
    folders (and one's clean-up could remove the other's work in progress)."""
    return str(REPO_ROOT / "var" / "bench" / "artifacts" / database_url.rsplit("/", 1)[-1])


def ensure_database(database_url: str) -> None:
    """Create the benchmark database if it is missing (the server's `postgres` db must exist)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
