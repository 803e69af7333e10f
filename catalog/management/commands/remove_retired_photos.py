"""`python manage.py remove_retired_photos`: beat's hourly photo housekeeping, by hand."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.retired_photos import photos_remove_retired
from storefront.plurals import counted


class Command(BaseCommand):
    help = (
        "Remove the photo files of replaced photos and deleted articles retired longer than "
        "RETIRED_PHOTOS_GRACE_SECONDS that no article records again, printing each one removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sweep = photos_remove_retired()
        for path in sweep.removed:
            self.stdout.write(f"removed {path}")
        hours = settings.RETIRED_PHOTOS_GRACE_SECONDS / 3600
        self.stdout.write(
            f"{counted(len(sweep.removed), 'retired photo file')} removed (retired over {hours:g} hours ago)."
        )
        for path in sweep.outside_media_root:
            self.stdout.write(f"left alone {path}: outside MEDIA_ROOT, so not the shop's to remove")
        if sweep.recorded:
            self.stdout.write(
                f"{counted(len(sweep.recorded), 'retired file')} kept: articles record them again."
            )
        if sweep.stopped_for_writer:
            self.stdout.write(
                "Stopped early: an import or a photo upload is storing photos. The rest is removed by "
                "the next run (beat runs it hourly, or run this command again)."
            )
