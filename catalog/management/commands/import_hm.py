"""`python manage.py import_hm DATA_DIR`: load a folder in the Kaggle H&M layout."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog.importer.dataset import import_dataset
from catalog.importer.errors import ImportInputError, MediaUnwritable
from catalog.progress import command_progress
from storefront.migration_state import refuse_unmigrated_database

# A csv file loads in one transaction; photos are recorded in batches (catalog.importer.images),
# and those recorded before the interrupt stay, with their files.
INTERRUPTED = (
    "Interrupted: nothing of the file being loaded was stored (files loaded before it were); "
    "of images/, the photos recorded before the interrupt stay stored, none after them. "
    "Running the same command again imports the rest and leaves what is stored as it is."
)


class Command(BaseCommand):
    help = (
        "Import articles.csv, customers.csv, transactions_train.csv and images/ (any of them) from a "
        "folder in the Kaggle H&M layout. Re-running is safe: articles and customers are upserted, the "
        "dates in a transactions file replace those stored, unchanged photos are skipped."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("data_dir", type=Path)
        parser.add_argument("--no-images", action="store_true", help="skip the images/ folder")
        parser.add_argument(
            "--image-workers", type=int, default=None, help="processes for photos (default: CPUs, ≤4)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unmigrated_database()
        progress = command_progress(self, options["verbosity"])
        try:
            summary = import_dataset(
                options["data_dir"],
                progress=progress,
                images=not options["no_images"],
                image_workers=options["image_workers"],
            )
        except ImportInputError as error:
            raise CommandError(f"{error} (nothing from {error.file} was imported)") from error
        except MediaUnwritable as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            # Say what was stored (see INTERRUPTED) instead of a traceback.
            raise CommandError(INTERRUPTED, returncode=130) from None
        for report in summary.files:
            self.stdout.write(report.summary())
        if options["verbosity"] > 1:
            for step, seconds in summary.timings.items():
                self.stdout.write(f"  {step}: {seconds:.2f} s")
