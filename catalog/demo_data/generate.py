"""Writes a whole demo data set in the Kaggle H&M layout, deterministically for a seed."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from catalog.demo_data.articles import write_catalogue
from catalog.demo_data.customers import draw_shoppers, write_customers
from catalog.demo_data.images import DrawnGarments, FashionMnistPhotos, write_images
from catalog.demo_data.tastes import draw_tastes
from catalog.demo_data.transactions import PurchaseSimulation
from catalog.importer.schema import ARTICLES, CUSTOMERS, IMAGES_DIR, TRANSACTIONS
from catalog.progress import Progress


def generator_fingerprint() -> str:
    """The generator's own code, recorded in each folder it writes: the same options and seed
    give other data after a change to it, which benchmarks must not take for what they cached."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# Written into every generated folder, so that a second run may overwrite it but never a folder
# holding something else (a real H&M download, say).
MARKER = ".generated-by-generate_demo_data.json"
# Present while a run writes the folder: one that stopped half way (an error, Ctrl-C) is still ours
# to overwrite, and benchmarks know to write it again rather than use it.
IN_PROGRESS = ".generating-by-generate_demo_data"


class OutputNotEmpty(Exception):
    pass


@dataclass(frozen=True)
class DemoDataOptions:
    articles: int = 2_000
    customers: int = 5_000
    weeks: int = 26
    seed: int = 42
    images: bool = True


@dataclass(frozen=True)
class DemoDataSummary:
    articles: int
    customers: int
    transactions: int
    images: int
    photo_source: str
    seconds: float


def generate_demo_data(
    out_dir: Path, *, options: DemoDataOptions, progress: Progress, force: bool = False
) -> DemoDataSummary:
    if options.articles < 1 or options.customers < 1 or options.weeks < 1:
        raise ValueError("articles, customers and weeks must all be at least 1")
    _prepare(out_dir, force=force)
    started = time.monotonic()
    # One independent stream per part: turning images off or resizing one part leaves the
    # others' draws unchanged.
    catalogue_rng, tastes_rng, shoppers_rng, customers_rng, purchases_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(options.seed).spawn(5)
    )

    progress.note(f"Catalogue: {options.articles:,} articles")
    catalogue = write_catalogue(out_dir / ARTICLES.filename, options.articles, options.weeks, catalogue_rng)
    tastes = draw_tastes(catalogue, tastes_rng)
    shoppers = draw_shoppers(options.customers, options.weeks, tastes, shoppers_rng)
    progress.note(f"Customers: {options.customers:,}")
    write_customers(out_dir / CUSTOMERS.filename, shoppers, tastes, customers_rng)

    simulation = PurchaseSimulation(catalogue, tastes, shoppers, options.weeks, purchases_rng)
    with progress.bar("transactions (weeks)", total=options.weeks, unit="weeks") as advance:
        transactions = simulation.write(
            out_dir / TRANSACTIONS.filename, on_week=lambda week, rows: advance(1)
        )

    images = 0
    photo_source = "none"
    if options.images:
        photos = FashionMnistPhotos.load()
        if photos is None:
            progress.note(
                "warning: Fashion-MNIST is not installed (Debian package dataset-fashion-mnist); "
                "drawing garment shapes instead of photos"
            )
            photo_source = "drawn"
        else:
            photo_source = "fashion-mnist"
        with progress.bar("images", total=catalogue.size, unit="images") as advance:
            images = write_images(
                out_dir / IMAGES_DIR, catalogue, photos or DrawnGarments(), options.seed, on_progress=advance
            )

    summary = DemoDataSummary(
        articles=catalogue.size,
        customers=options.customers,
        transactions=transactions,
        images=images,
        photo_source=photo_source,
        seconds=round(time.monotonic() - started, 2),
    )
    marker = {"options": asdict(options), "summary": asdict(summary), "generator": generator_fingerprint()}
    (out_dir / MARKER).write_text(json.dumps(marker, indent=2))
    (out_dir / IN_PROGRESS).unlink()
    return summary


def interrupted(out_dir: Path) -> bool:
    """A folder generate_demo_data was writing when it stopped."""
    return (out_dir / IN_PROGRESS).exists()


def _prepare(out_dir: Path, *, force: bool) -> None:
    ours = (out_dir / MARKER).exists() or interrupted(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not ours and not force:
        raise OutputNotEmpty(
            f"{out_dir} is not empty and was not written by generate_demo_data; "
            "choose an empty folder or pass --force to overwrite its H&M files"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / IN_PROGRESS).touch()
    (out_dir / MARKER).unlink(missing_ok=True)
    # Images of a previous, larger run must not outlive it.
    shutil.rmtree(out_dir / IMAGES_DIR, ignore_errors=True)
