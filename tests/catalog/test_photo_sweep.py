"""Replaced photos stay a while for the pages that link to them; a scheduled sweep removes them
and whatever a stopped process left behind, never a file an article records."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from catalog.importer.image_files import ImageTask, process_image
from catalog.models import Article
from catalog.services import REPLACED_PHOTO_GRACE, articles_record_photos, photos_remove_stale
from tests.factories import ArticleFactory
from workers.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_photo(media: Path, source: Path, article_id: int, colour: str):
    Image.new("RGB", (60, 90), colour).save(source, "JPEG")
    return process_image(ImageTask(str(source), article_id, "", str(media)))


def files(media: Path) -> set[str]:
    return {path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file()}


def written_ago(media: Path, paths, age: timedelta) -> None:
    then = time.time() - age.total_seconds()
    for path in paths:
        os.utime(media / path, (then, then))


def test_a_replaced_photo_stays_for_the_grace_period_and_the_sweep_after_it_removes_it(
    media, tmp_path, django_capture_on_commit_callbacks
):
    """Removed as the new record committed, the old files 404ed on pages rendered just before (a
    listing's lazy thumbnails, an API client's article JSON), worst during a re-import."""
    article = ArticleFactory(article_id=912345011)
    old = stored_photo(media, tmp_path / "old.jpg", article.article_id, "red")
    with django_capture_on_commit_callbacks(execute=True):
        articles_record_photos(results=[old])
    # Written long ago, as H&M's photos were: the grace period counts from the replacement.
    written_ago(media, old.files, 2 * REPLACED_PHOTO_GRACE)
    new = stored_photo(media, tmp_path / "new.jpg", article.article_id, "blue")

    with django_capture_on_commit_callbacks(execute=True):
        articles_record_photos(results=[new])

    assert Article.objects.get(pk=article.pk).image == new.original
    assert files(media) == {*old.files, *new.files}
    assert photos_remove_stale() == 0
    assert files(media) == {*old.files, *new.files}

    written_ago(media, [*old.files, *new.files], REPLACED_PHOTO_GRACE + timedelta(minutes=1))
    assert photos_remove_stale() == 2
    assert files(media) == set(new.files)


def test_the_sweep_removes_old_files_no_article_records_and_keeps_recent_and_recorded_ones(media, tmp_path):
    """What a worker killed outright left (its photos and a write's temporary file), found by no
    cleanup; files written for a batch the import has not recorded yet are recent, and kept."""
    recorded = stored_photo(media, tmp_path / "recorded.jpg", 912345012, "red")
    ArticleFactory(article_id=912345012, image=recorded.original, image_thumbnail=recorded.thumbnail)
    left_behind = stored_photo(media, tmp_path / "left.jpg", 912345013, "green")
    temporary = f"articles/091/.0912345013-1a2b3c4d5e6f7a8b.jpg.{os.getpid()}.0a1b.tmp"
    (media / temporary).write_bytes(b"half a photo")
    pending = stored_photo(media, tmp_path / "pending.jpg", 912345014, "blue")
    written_ago(media, [*recorded.files, *left_behind.files, temporary], 2 * REPLACED_PHOTO_GRACE)

    assert photos_remove_stale() == 3

    assert files(media) == {*recorded.files, *pending.files}


def test_the_sweep_is_scheduled():
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule.values()
    (entry,) = [entry for entry in schedule if entry["task"] == "workers.tasks.photos_remove_stale"]
    assert entry["schedule"] < REPLACED_PHOTO_GRACE.total_seconds()
