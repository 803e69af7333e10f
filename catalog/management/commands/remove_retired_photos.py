"""`python manage.py remove_retired_photos`: beat's hourly photo housekeeping, by hand; with
`--grace-seconds 0 --path P`, a takedown of one replaced photo now."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.retired_photos import photos_remove_retired
from storefront.migration_state import refuse_unmigrated_database
from storefront.plurals import counted


def seconds(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise ArgumentTypeError(f"{raw!r} is not a whole number of seconds of at least 0")
    return int(raw)


class Command(BaseCommand):
    help = (
        "Remove the photo files of replaced photos and deleted articles retired longer than "
        "RETIRED_PHOTOS_GRACE_SECONDS that no article records again, printing each one removed. "
        "To take a wrong or private photo down at once, after replacing it: "
        "--grace-seconds 0 --path articles/010/0108775015-1a2b3c4d5e6f7a8b.jpg (and its thumbnail)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--grace-seconds",
            type=seconds,
            default=None,
            help="remove files retired longer ago than this (default RETIRED_PHOTOS_GRACE_SECONDS); 0: now",
        )
        parser.add_argument(
            "--path",
            action="append",
            dest="paths",
            default=None,
            help="only this retired file, relative to MEDIA_ROOT as the article recorded it (repeatable)",
        )

    def handle(self, *args: Any, grace_seconds: int | None, paths: list[str] | None, **options: Any) -> None:
        refuse_unmigrated_database()
        grace = settings.RETIRED_PHOTOS_GRACE_SECONDS if grace_seconds is None else grace_seconds
        sweep = photos_remove_retired(grace_seconds=grace, paths=paths)
        for path in sweep.removed:
            self.stdout.write(f"removed {path}")
        for path in sweep.outside_media_root:
            self.stdout.write(f"left alone {path}: outside MEDIA_ROOT, so not the shop's to remove")
        since = f"retired over {grace / 3600:g} hours ago" if grace else "retired any time before now"
        self.stdout.write(f"{counted(len(sweep.removed), 'retired photo file')} removed ({since}).")
        if sweep.recorded:
            self.stdout.write(
                f"{counted(len(sweep.recorded), 'retired file')} kept: articles record them again."
            )
        if sweep.stopped_for_writer:
            self.stdout.write(
                "Stopped early: an import or a photo upload is storing photos. The rest is removed by "
                "the next run (beat runs it hourly, or run this command again)."
            )
            return
        handled = {*sweep.removed, *sweep.recorded, *sweep.outside_media_root}
        for path in sorted(set(paths or ()) - handled):
            self.stdout.write(
                f"not removed {path}: not retired over {grace:d} seconds ago (an article still records "
                "it, none ever did, or it was retired within that time: --grace-seconds 0 takes it down now)"
            )
