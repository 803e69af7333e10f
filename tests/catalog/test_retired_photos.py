"""A replaced photo's files are retired, not removed: pages rendered a moment before still show
them. The housekeeping sweep removes them after the grace period, never while a writer may be
storing a photo under the same name."""

import datetime as dt
import io
import threading
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image

from catalog import retired_photos
from catalog.importer import images as image_import
from catalog.importer.image_files import ImageTask, process_image, process_images
from catalog.models import Article, ArticleQuerySet, RetiredPhoto
from catalog.retired_photos import photos_being_stored, photos_remove_retired
from catalog.services import article_replace_photo, articles_delete, articles_record_photos
from tests.catalog.hm_data import run_import
from tests.catalog.retired import (
    DAY,
    a_writer_storing_photos,
    in_another_thread,
    on_disk,
    retire_long_ago,
    sweep_after_the_grace,
)
from tests.factories import ArticleFactory
from workers import tasks

pytestmark = pytest.mark.django_db


def photo(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 90), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def stored(media: Path, article_id: int, colour: str):
    """A photo written as an import writes it, not recorded yet; one colour is one photo, byte for
    byte, so the same colour again is stored under the same names."""
    source = media.parent / f"{article_id:010d}-{colour}.jpg"
    source.write_bytes(photo(colour))
    return process_image(ImageTask(str(source), article_id, "", str(media)))


def retired() -> set[str]:
    return set(RetiredPhoto.objects.values_list("path", flat=True))


def test_a_replaced_photo_is_retired_and_stays_on_disk(media, django_capture_on_commit_callbacks):
    article = ArticleFactory(article_id=912345101)
    first, second = stored(media, article.pk, "red"), stored(media, article.pk, "blue")

    with django_capture_on_commit_callbacks(execute=True):
        articles_record_photos(results=[first])
        articles_record_photos(results=[second])

    article.refresh_from_db()
    assert (article.image, article.image_thumbnail) == second.files
    # A product page rendered a moment before, or a list a proxy cached, still shows these.
    assert on_disk(media, first.files) == [True, True]
    assert retired() == set(first.files)


def test_a_replacement_rolled_back_retires_nothing(media, monkeypatch):
    article = ArticleFactory(article_id=912345102)
    first, second = stored(media, article.pk, "red"), stored(media, article.pk, "blue")
    articles_record_photos(results=[first])

    def connection_lost(*, paths):
        assert retired() == set(first.files)  # retired in the record's transaction...
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr("catalog.services.photos_unretire", connection_lost)
    with pytest.raises(DatabaseError):
        articles_record_photos(results=[second])

    article.refresh_from_db()
    assert (article.image, article.image_thumbnail) == first.files
    assert retired() == set()  # ...and rolled back with it
    assert on_disk(media, first.files + second.files) == [True, True, False, False]


def test_photos_are_never_recorded_inside_a_callers_transaction(media):
    """The record would commit with the caller's transaction, after the writer had released the
    sweep's lock: a sweep in between found the photo written under a retired name unrecorded."""
    article = ArticleFactory(article_id=912345118)
    first = stored(media, article.pk, "red")

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        articles_record_photos(results=[first])

    article.refresh_from_db()
    assert article.image == "" and on_disk(media, first.files) == [False, False]


def test_the_sweep_removes_only_files_past_the_grace_that_no_article_records(media, settings):
    settings.RETIRED_PHOTOS_GRACE_SECONDS = 3600
    old, young, shared = "articles/091/old.jpg", "articles/091/young.jpg", "articles/091/shared.jpg"
    retire_long_ago(old, media=media, ago=dt.timedelta(hours=2))
    retire_long_ago(young, media=media, ago=dt.timedelta(minutes=30))
    # Paths were free text in the admin once: another article may record a retired one.
    retire_long_ago(shared, media=media, ago=dt.timedelta(hours=2))
    ArticleFactory(image=shared)
    # Written by an upload that has not recorded it yet: no retired row, never removed.
    unrecorded = media / "articles/091/0912345103-1a2b3c4d5e6f7a8b.jpg"
    unrecorded.write_bytes(b"photo")

    sweep = photos_remove_retired()

    assert (sweep.removed, sweep.recorded, sweep.stopped_for_writer) == ([old], [shared], False)
    assert on_disk(media, [old, young, shared]) == [False, True, True]
    assert unrecorded.exists()
    assert retired() == {young}


def test_a_retired_photo_recorded_again_is_unretired_and_kept(media, django_capture_on_commit_callbacks):
    """The same photo uploaded again (or restored) is stored under the name it had."""
    article = ArticleFactory(article_id=912345104)
    first, second = stored(media, article.pk, "red"), stored(media, article.pk, "blue")
    articles_record_photos(results=[first])
    articles_record_photos(results=[second])
    again = stored(media, article.pk, "red")
    assert again.files == first.files

    with django_capture_on_commit_callbacks(execute=True):
        articles_record_photos(results=[again])

    assert retired() == set(second.files)
    assert sorted(sweep_after_the_grace().removed) == sorted(second.files)
    assert on_disk(media, first.files) == [True, True]


def test_a_failed_record_of_a_retired_photo_written_again_keeps_its_files(media, monkeypatch):
    """Files a failed save wrote are removed at once, as never shown; but the same photo uploaded
    again wrote a retired one's names, which pages rendered before the replacement still show."""
    article = ArticleFactory(article_id=912345105)
    first, second = stored(media, article.pk, "red"), stored(media, article.pk, "blue")
    articles_record_photos(results=[first])
    articles_record_photos(results=[second])
    again = stored(media, article.pk, "red")

    def connection_lost(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(QuerySet, "bulk_update", connection_lost)
    with pytest.raises(DatabaseError):
        articles_record_photos(results=[again])

    assert on_disk(media, first.files) == [True, True]
    assert retired() == set(first.files)


def test_the_sweep_stops_while_a_writer_stores_photos(media):
    path = "articles/091/0912345106-1a2b3c4d5e6f7a8b.jpg"
    retire_long_ago(path, media=media)

    with a_writer_storing_photos():
        sweep = photos_remove_retired()

    assert (sweep.stopped_for_writer, sweep.removed, sweep.left) == (True, [], 1)
    assert on_disk(media, [path]) == [True] and retired() == {path}
    # The writer is done: the next round removes it.
    assert photos_remove_retired().removed == [path]
    assert on_disk(media, [path]) == [False]


@pytest.mark.django_db(transaction=True)
def test_a_photo_uploaded_again_under_its_retired_name_survives_a_sweep_before_it_is_recorded(
    media, monkeypatch
):
    """Photos are named by their fingerprint: the first photo uploaded again is written under its
    retired names. A sweep between that write and the record (in another process) found them
    retired a day ago and recorded by no article, and removed the files just written."""
    article = ArticleFactory(article_id=912345107)
    for colour in ("red", "blue"):
        with transaction.atomic():  # committed for real: the files are written as it commits
            article_replace_photo(article=article, data=photo(colour))
        article.refresh_from_db()
        if colour == "red":
            first = (article.image, article.image_thumbnail)
    RetiredPhoto.objects.update(retired_at=timezone.now() - 2 * DAY)
    sweeps = []

    def sweep_then_record(*, results):
        sweeps.append(in_another_thread(photos_remove_retired))
        articles_record_photos(results=results)

    monkeypatch.setattr("catalog.services.articles_record_photos", sweep_then_record)
    with transaction.atomic():
        article_replace_photo(article=article, data=photo("red"))

    article.refresh_from_db()
    assert (article.image, article.image_thumbnail) == first
    assert on_disk(media, first) == [True, True]
    assert [sweep.stopped_for_writer for sweep in sweeps] == [True]
    assert not retired() & set(first)


def test_an_import_holds_off_the_sweep_while_it_stores_photos(hm_files, monkeypatch):
    sweeps = []

    def sweep_then_record(*, results):
        if results:
            sweeps.append(in_another_thread(photos_remove_retired))
        articles_record_photos(results=results)

    monkeypatch.setattr(image_import, "articles_record_photos", sweep_then_record)
    run_import(hm_files)

    assert sweeps and all(sweep.stopped_for_writer for sweep in sweeps)
    assert Article.objects.filter(image="").count() == 0


def test_the_housekeeping_task_removes_retired_files(media):
    path = "articles/091/0912345110-1a2b3c4d5e6f7a8b.jpg"
    retire_long_ago(path, media=media)

    assert tasks.remove_retired_photos() == 1
    assert on_disk(media, [path]) == [False]


def test_the_housekeeping_task_warns_when_a_writer_stopped_it(media, caplog):
    """A lock held for good (a process stuck storing photos) stops every hourly sweep: said once
    an hour in the worker's log, with what piles up, not dropped silently."""
    paths = [f"articles/091/09123451{number}-1a2b3c4d5e6f7a8b.jpg" for number in (21, 22)]
    retire_long_ago(*paths, media=media)

    with a_writer_storing_photos():
        assert tasks.remove_retired_photos() == 0

    assert [record.levelname for record in caplog.records if record.name == "workers.tasks"] == ["WARNING"]
    assert "an import or a photo upload holds the photo writers' lock; 2 retired files" in caplog.text
    assert on_disk(media, paths) == [True, True]


def test_the_sweep_pages_past_a_batch_and_moves_past_a_file_it_cannot_remove(media, monkeypatch, caplog):
    """A file that cannot be removed keeps its row for the next round, and this round goes on past it
    (reading it again, the round never ended)."""
    monkeypatch.setattr(retired_photos, "REMOVED_PER_BATCH", 2)
    paths = [f"articles/091/09123451{number}-1a2b3c4d5e6f7a8b.jpg" for number in range(23, 28)]
    retire_long_ago(*paths, media=media)
    # Not a file but a folder with something in it: removing it fails (ENOTEMPTY), an OSError.
    stuck = paths[1]
    (media / stuck).unlink()
    (media / stuck).mkdir()
    (media / stuck / "inside").write_bytes(b"")
    batches = []
    recorded_paths = ArticleQuerySet.recorded_paths

    def counted(queryset, batch):
        batches.append(sorted(batch))
        assert len(batches) <= 3, "the sweep read a batch again"
        return recorded_paths(queryset, batch)

    monkeypatch.setattr(ArticleQuerySet, "recorded_paths", counted)
    sweep = photos_remove_retired()

    assert batches == [paths[0:2], paths[2:4], paths[4:5]]
    assert sweep.removed == [path for path in paths if path != stuck]
    assert retired() == {stuck} and (media / stuck).is_dir()
    assert f"Could not remove the retired photo {stuck}; trying again later." in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_writer_whose_lock_cannot_be_released_closes_its_connection(media):
    """A web process keeps its connection: left open with the lock it could not release (its
    transaction failed), it stopped every sweep for as long as the process lived."""
    path = "articles/091/0912345128-1a2b3c4d5e6f7a8b.jpg"
    retire_long_ago(path, media=media)

    with photos_being_stored(), connection.cursor() as cursor:
        # A transaction Django does not know of, failed: the unlock that follows is refused.
        cursor.execute("BEGIN")
        with pytest.raises(DatabaseError):
            cursor.execute("SELECT 1 / 0")

    assert connection.connection is None
    assert in_another_thread(photos_remove_retired).removed == [path]


@pytest.mark.django_db(transaction=True)
def test_a_path_retired_anew_while_the_sweep_reads_it_keeps_its_file_for_a_new_grace(media, monkeypatch):
    """Paths were free text once: two articles may record one. The last article recording it,
    deleted between the batch's SELECT and recorded_paths, retired it anew and committed; the sweep
    then found it recorded by none and unlinked it at once, cutting its new grace short. Now the
    delete waits for the batch: the sweep finds the path recorded and forgets its row, and the
    delete's retirement is then a row of its own, which later rounds honour."""
    shared = "articles/091/shared-again.jpg"
    retire_long_ago(shared, media=media)
    last = ArticleFactory(article_id=912345114, image=shared)
    recorded_paths = ArticleQuerySet.recorded_paths

    def delete_the_last() -> None:
        articles_delete(article_ids=[last.pk])
        connections.close_all()

    deleting = threading.Thread(target=delete_the_last)

    def deleted_meanwhile(queryset, paths):
        deleting.start()
        deleting.join(timeout=2)  # with the batch's rows locked, the delete waits for the sweep
        return recorded_paths(queryset, paths)

    monkeypatch.setattr(ArticleQuerySet, "recorded_paths", deleted_meanwhile)
    sweep = photos_remove_retired()
    deleting.join(timeout=30)

    assert not deleting.is_alive()
    assert sweep.removed == [] and on_disk(media, [shared]) == [True]
    assert not Article.objects.filter(pk=last.pk).exists()
    assert retired() == {shared}  # retired anew by the delete, for a grace of its own
    monkeypatch.undo()
    assert photos_remove_retired().removed == []
    assert sweep_after_the_grace().removed == [shared]


def test_a_retired_path_outside_media_root_is_forgotten_and_left_alone(media, tmp_path, caplog):
    """Paths were free text in the admin once (/srv/legacy/x.jpg, ../x.jpg): the storage refuses
    them, which rolled the batch back and stopped every later round at the same path."""
    legacy = tmp_path / "legacy" / "x.jpg"
    legacy.parent.mkdir()
    legacy.write_bytes(b"photo")
    above = media.parent / "above.jpg"
    above.write_bytes(b"photo")
    ours = "articles/091/0912345113-1a2b3c4d5e6f7a8b.jpg"
    retire_long_ago(ours, media=media)
    for path in (str(legacy), "../above.jpg"):
        RetiredPhoto.objects.create(path=path, retired_at=timezone.now() - 2 * DAY)

    sweep = photos_remove_retired()

    assert sweep.removed == [ours] and on_disk(media, [ours]) == [False]
    assert sorted(sweep.outside_media_root) == sorted([str(legacy), "../above.jpg"])
    assert legacy.exists() and above.exists()
    assert retired() == set()
    assert f"The retired photo path {legacy} is outside MEDIA_ROOT" in caplog.text


def test_a_failed_workers_cleanup_keeps_a_retired_photo_it_stored_again(media):
    """A worker that fails removes the photos its share stored, which the import never learns of;
    but the same photo back again was written under its retired names, which pages rendered
    before the replacement still show (or, rarely, a staff upload has recorded meanwhile)."""
    article, other = ArticleFactory(article_id=912345119), ArticleFactory(article_id=912345120)
    first, second = stored(media, article.pk, "red"), stored(media, article.pk, "blue")
    articles_record_photos(results=[first])
    articles_record_photos(results=[second])
    source = media.parent / "again.jpg"
    source.write_bytes(photo("red"))
    new_source = media.parent / "new.jpg"
    new_source.write_bytes(photo("green"))
    share = [
        ImageTask(str(source), article.pk, second.fingerprint, str(media), second.files),
        ImageTask(str(new_source), other.pk, "", str(media)),
        ImageTask(str(media.parent / "removed-since-listed.jpg"), other.pk, "", str(media)),
    ]

    with pytest.raises(FileNotFoundError):
        process_images(share)

    assert on_disk(media, first.files) == [True, True]
    # What the share created is still removed: the import never learns of it.
    assert sorted(media.rglob(f"{other.pk:010d}-*")) == []
