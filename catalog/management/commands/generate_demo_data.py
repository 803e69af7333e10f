"""`python manage.py generate_demo_data OUT_DIR`: a demo data set in the Kaggle H&M layout."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog.progress import command_progress


class Command(BaseCommand):
    help = (
        "Write articles.csv, customers.csv, transactions_train.csv and images/ in the layout of the "
        "Kaggle H&M data set, deterministic for a seed. Import them with import_hm."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("out_dir", type=Path, help="folder to write (import it with import_hm OUT_DIR)")
        parser.add_argument(
            "--articles", type=int, default=2_000, help="articles in articles.csv (default: 2000)"
        )
        parser.add_argument(
            "--customers", type=int, default=5_000, help="customers in customers.csv (default: 5000)"
        )
        parser.add_argument(
            "--weeks",
            type=int,
            default=26,
            help="weeks of purchases in transactions_train.csv, ending 2020-09-22 as H&M's do (default: 26)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="random seed: the same seed writes the same files (default: 42)",
        )
        parser.add_argument("--no-images", action="store_true", help="write the csv files only")
        parser.add_argument(
            "--force", action="store_true", help="overwrite a folder not written by this command"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # numpy and Pillow work happens here only: imported on demand, not by web processes.
        from catalog.demo_data.generate import DemoDataOptions, OutputNotEmpty, generate_demo_data

        progress = command_progress(self, options["verbosity"])
        try:
            summary = generate_demo_data(
                options["out_dir"],
                options=DemoDataOptions(
                    articles=options["articles"],
                    customers=options["customers"],
                    weeks=options["weeks"],
                    seed=options["seed"],
                    images=not options["no_images"],
                ),
                progress=progress,
                force=options["force"],
            )
        except (OutputNotEmpty, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Wrote {summary.articles:,} articles, {summary.customers:,} customers, "
            f"{summary.transactions:,} transactions and {summary.images:,} images ({summary.photo_source}) "
            f"to {options['out_dir']} in {summary.seconds:.1f} s"
        )
