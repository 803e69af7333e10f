"""`manage.py remove_retired_photos`: beat's photo housekeeping by hand, saying what it removed."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import RetiredPhoto
from tests.catalog.retired import DAY, a_writer_storing_photos, on_disk, retire_long_ago
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def remove_retired_photos(*args: str) -> str:
    output = io.StringIO()
    call_command("remove_retired_photos", *args, stdout=output)
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

    with a_writer_storing_photos():
        output = remove_retired_photos()

    assert "0 retired photo files removed" in output
    assert "Stopped early: an import or a photo upload is storing photos" in output
    assert on_disk(media, [path]) == [True]


def test_it_names_a_retired_path_outside_media_root_it_left_alone(media):
    RetiredPhoto.objects.create(path="/srv/legacy/x.jpg", retired_at=timezone.now() - 2 * DAY)

    assert "left alone /srv/legacy/x.jpg: outside MEDIA_ROOT" in remove_retired_photos()


def test_a_takedown_removes_the_named_retired_photo_at_once(media):
    """Staff replaced a wrong or private photo: its old files must not be served for another day."""
    private, thumbnail = (
        "articles/091/0912345114-1a2b3c4d5e6f7a8b.jpg",
        "articles/thumbnails/091/0912345114-1a2b3c4d5e6f7a8b.webp",
    )
    other = "articles/091/0912345115-1a2b3c4d5e6f7a8b.jpg"
    retire_long_ago(private, thumbnail, other, media=media, ago=dt.timedelta(seconds=1))

    output = remove_retired_photos("--grace-seconds", "0", "--path", private, "--path", thumbnail)

    assert output.splitlines() == [
        f"removed {private}",
        f"removed {thumbnail}",
        "2 retired photo files removed (retired any time before now).",
    ]
    assert on_disk(media, [private, thumbnail, other]) == [False, False, True]


def test_a_takedown_never_removes_a_photo_an_article_records(media):
    recorded = "articles/091/0912345116-1a2b3c4d5e6f7a8b.jpg"
    (media / "articles/091").mkdir(parents=True)
    (media / recorded).write_bytes(b"photo")
    ArticleFactory(image=recorded)

    output = remove_retired_photos("--grace-seconds", "0", "--path", recorded)

    assert f"not removed {recorded}: not retired over 0 seconds ago (an article still records it" in output
    assert on_disk(media, [recorded]) == [True]


def test_a_named_photo_within_its_grace_is_kept_and_the_command_says_how_to_take_it_down(media):
    young = "articles/091/0912345117-1a2b3c4d5e6f7a8b.jpg"
    retire_long_ago(young, media=media, ago=dt.timedelta(hours=1))

    output = remove_retired_photos("--path", young)

    assert "0 retired photo files removed (retired over 24 hours ago)." in output
    assert f"not removed {young}: not retired over 86400 seconds ago" in output
    assert "--grace-seconds 0 takes it down now" in output
    assert on_disk(media, [young]) == [True]


@pytest.mark.parametrize("value", ["-1", "1.5", "a day"])
def test_it_refuses_a_grace_that_is_not_whole_seconds(media, value):
    with pytest.raises(CommandError, match="is not a whole number of seconds"):
        remove_retired_photos("--grace-seconds", value)
