"""`manage.py remove_retired_photos`: beat's photo housekeeping by hand, saying what it removed."""

import datetime as dt
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from catalog.models import RetiredPhoto
from catalog.retired_photos import photos_being_stored
from tests.catalog.retired import DAY, on_disk, retire_long_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def remove_retired_photos() -> str:
    output = io.StringIO()
    call_command("remove_retired_photos", stdout=output)
    return output.getvalue()


def test_it_prints_each_file_it_removed(media):
    removed = ["articles/091/0912345108-1a2b3c4d5e6f7a8b.jpg", "articles/091/0912345109-1a2b3c4d5e6f7a8b.jpg"]
    retire_long_ago(*removed, media=media)
    retire_long_ago("articles/091/young.jpg", media=media, ago=dt.timedelta(hours=1))

    assert remove_retired_photos().splitlines() == [
        f"removed {removed[0]}",
        f"removed {removed[1]}",
        "2 retired photo files removed (retired over 24 hours ago).",
    ]
    assert on_disk(media, removed) == [False, False]
    assert on_disk(media, ["articles/091/young.jpg"]) == [True]


def test_it_says_when_a_writer_stopped_it(media):
    path = "articles/091/0912345111-1a2b3c4d5e6f7a8b.jpg"
    retire_long_ago(path, media=media, ago=2 * DAY)
    holding, done = threading.Event(), threading.Event()

    def store():
        try:
            with photos_being_stored():
                holding.set()
                done.wait(timeout=30)
        finally:
            connections.close_all()

    writer = threading.Thread(target=store)
    writer.start()
    try:
        assert holding.wait(timeout=30)
        output = remove_retired_photos()
    finally:
        done.set()
        writer.join(timeout=30)

    assert "0 retired photo files removed" in output
    assert "Stopped early: an import or a photo upload is storing photos" in output
    assert on_disk(media, [path]) == [True]


def test_it_names_a_retired_path_outside_media_root_it_left_alone(media):
    RetiredPhoto.objects.create(path="/srv/legacy/x.jpg", retired_at=timezone.now() - 2 * DAY)

    assert "left alone /srv/legacy/x.jpg: outside MEDIA_ROOT" in remove_retired_photos()
