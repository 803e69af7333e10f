"""Imports a folder in the Kaggle H&M layout: articles, customers, transactions, then images.

Any of the four may be absent (a weekly transactions file alone, say). Each file is its own
transaction: nothing of a file that fails is stored, and the import stops there with an
ImportInputError naming the file, line and field. Transactions refer to articles and customers, so
they come after both; articles and customers refer to nothing, so on PostgreSQL they load side by
side on two connections (one core each). Then an error in one of them stops the import after the
other has finished: the other file, if good, is stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.db import connection

from catalog.importer.articles import import_articles
from catalog.importer.customers import import_customers
from catalog.importer.errors import ImportInputError
from catalog.importer.images import import_images
from catalog.importer.report import FileReport, ImportSummary
from catalog.importer.schema import ARTICLES, CUSTOMERS, IMAGES_DIR, TRANSACTIONS
from catalog.importer.transactions import import_transactions
from catalog.models import Article
from catalog.progress import Progress
from catalog.services import catalog_cache_clear


def import_dataset(
    data_dir: Path, *, progress: Progress, images: bool = True, image_workers: int | None = None
) -> ImportSummary:
    if not data_dir.is_dir():
        raise ImportInputError(str(data_dir), "is not a folder")
    names = (ARTICLES.filename, CUSTOMERS.filename, TRANSACTIONS.filename, IMAGES_DIR)
    if not any((data_dir / name).exists() for name in names):
        raise ImportInputError(str(data_dir), f"holds none of {', '.join(names)}")
    summary = ImportSummary()
    independent = [
        (importer, data_dir / schema.filename)
        for importer, schema in ((import_articles, ARTICLES), (import_customers, CUSTOMERS))
        if (data_dir / schema.filename).exists()
    ]
    for report in _side_by_side(independent, progress):
        _loaded(summary, report)
    if (data_dir / TRANSACTIONS.filename).exists():
        _loaded(
            summary,
            import_transactions(data_dir / TRANSACTIONS.filename, progress=progress, timings=summary.timings),
        )
    if images and (data_dir / IMAGES_DIR).is_dir():
        _loaded(summary, import_images(data_dir / IMAGES_DIR, progress=progress, workers=image_workers))
    _vacuum_articles(summary.timings)
    for report in summary.files:
        summary.timings[report.name] = report.seconds
    return summary


FileImporter = Callable[..., FileReport]


def _side_by_side(files: list[tuple[FileImporter, Path]], progress: Progress) -> list[FileReport]:
    """Loads files that refer to nothing the others hold: the last in this thread, the rest beside it.

    Inside a transaction (a caller's atomic block, a test) or on SQLite they load one by one, in
    the caller's connection. Every file is waited for before the first error, in file order, is
    raised.
    """
    if len(files) < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [importer(path, progress=progress) for importer, path in files]
    with ThreadPoolExecutor(max_workers=len(files) - 1) as pool:
        beside = [pool.submit(_in_own_connection, importer, path, progress) for importer, path in files[:-1]]
        importer, path = files[-1]
        try:
            last = importer(path, progress=progress)
        except Exception:
            # Wait for the others; an earlier file's error comes first.
            earlier = [error for error in (future.exception() for future in beside) if error is not None]
            if earlier:
                raise earlier[0] from None
            raise
        return [*(future.result() for future in beside), last]


def _in_own_connection(importer: FileImporter, path: Path, progress: Progress) -> FileReport:
    try:
        return importer(path, progress=progress)
    finally:
        connection.close()  # this thread's; Django opened it for the thread


def _vacuum_articles(timings: dict[str, float]) -> None:
    """Marks the article pages all-visible again after an import rewrote rows of them (the upsert,
    the price and popularity refresh, new photos). Listings cut their pages on ids read from the article
    indexes alone (catalog.selectors), an index-only scan that must otherwise visit the table for
    every id until autovacuum comes by, if it runs at all: at full H&M scale the last page's ids
    took 131-416 ms that way, 14 ms after this (0.4 s). VACUUM cannot run in a transaction, so a
    caller's atomic block (a test) goes without."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {Article._meta.db_table}")
    timings["articles: vacuum"] = time.monotonic() - started


def _loaded(summary: ImportSummary, report: FileReport) -> None:
    summary.files.append(report)
    # Pages cache the catalogue's structure and best sellers; they must see the new rows.
    catalog_cache_clear()
