"""Helpers for importer and generator tests: small H&M-layout folders and ways to damage them."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

from catalog.demo_data.generate import DemoDataOptions, generate_demo_data
from catalog.importer.dataset import import_dataset
from catalog.importer.report import ImportSummary
from catalog.progress import SilentProgress


def generate(out_dir: Path, **options) -> Path:
    generate_demo_data(out_dir, options=DemoDataOptions(**options), progress=SilentProgress(), force=True)
    return out_dir


def manage_on_sqlite(
    *args: str, database: Path, media: Path, **environment: str
) -> subprocess.CompletedProcess[str]:
    """`manage.py` in a process of its own on a SQLite file, as the demo runs (`environment`: more
    settings)."""
    env = {
        **{key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")},
        "ALLOW_INSECURE_SECRET_KEY": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(media),
        **environment,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def copy_dataset(source: Path, target: Path, *, images: bool = True) -> Path:
    shutil.copytree(source, target, ignore=None if images else shutil.ignore_patterns("images"))
    return target


def run_import(data_dir: Path, **options) -> ImportSummary:
    return import_dataset(data_dir, progress=SilentProgress(), **options)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]] | list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[name] for name in header] if isinstance(row, dict) else row)


def set_field(path: Path, line: int, field: str, value: str) -> None:
    """Rewrites one field of one line (1 = header) of a csv file."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(field)] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_raw(path: Path, line: int, field: str, raw: str) -> None:
    """Like set_field, but `raw` goes into the file as written (quotes and all)."""
    set_field(path, line, field, "RAW-VALUE")
    path.write_text(path.read_text().replace("RAW-VALUE", raw))


def line_count(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
