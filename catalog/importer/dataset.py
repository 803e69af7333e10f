"""Imports a folder in the Kaggle H&M layout: articles, customers, transactions, then images.

Any of the four may be absent (a weekly transactions file alone, say). Each file is its own
transaction, in that order, because each refers to the ones before: nothing of a file that fails
is stored, and the import stops there with an ImportInputError naming the file, line and field.
"""

from __future__ import annotations

from pathlib import Path

from catalog.importer.articles import import_articles
from catalog.importer.customers import import_customers
from catalog.importer.errors import ImportInputError
from catalog.importer.images import import_images
from catalog.importer.report import FileReport, ImportSummary
from catalog.importer.schema import ARTICLES, CUSTOMERS, IMAGES_DIR, TRANSACTIONS
from catalog.importer.transactions import import_transactions
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
    if (data_dir / ARTICLES.filename).exists():
        _loaded(summary, import_articles(data_dir / ARTICLES.filename, progress=progress))
    if (data_dir / CUSTOMERS.filename).exists():
        _loaded(summary, import_customers(data_dir / CUSTOMERS.filename, progress=progress))
    if (data_dir / TRANSACTIONS.filename).exists():
        _loaded(
            summary,
            import_transactions(data_dir / TRANSACTIONS.filename, progress=progress, timings=summary.timings),
        )
    if images and (data_dir / IMAGES_DIR).is_dir():
        _loaded(summary, import_images(data_dir / IMAGES_DIR, progress=progress, workers=image_workers))
    for report in summary.files:
        summary.timings[report.name] = report.seconds
    return summary


def _loaded(summary: ImportSummary, report: FileReport) -> None:
    summary.files.append(report)
    # Pages cache the catalogue's structure and best sellers; they must see the new rows.
    catalog_cache_clear()
