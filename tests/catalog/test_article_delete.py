"""Deleting articles retires their photo files in the delete's transaction: the sweep removes them
after the grace period (pages rendered before still show them), a delete rolled back retires none."""

import threading

import pytest
from django.db import connections, transaction
from django.db.models import ProtectedError
from PIL import Image

from catalog.importer.image_files import ImageTask, process_image
from catalog.models import Article, RetiredPhoto
from catalog.services import articles_delete, articles_record_photos
from tests.catalog.admin_forms import CHANGELIST
from tests.catalog.retired import sweep_after_the_grace
from tests.factories import ArticleFactory, PurchaseFactory, UserFactory
from tests.test_db_locks import other_connection

pytestmark = pytest.mark.django_db


def with_photo(media, article_id, **fields):
    paths = (f"articles/091/{article_id:010d}.jpg", f"articles/thumbnails/091/{article_id:010d}.webp")
    for path in paths:
        (media / path).parent.mkdir(parents=True, exist_ok=True)
        (media / path).write_bytes(b"photo")
    return ArticleFactory(article_id=article_id, image=paths[0], image_thumbnail=paths[1], **fields)


def retired_paths():
    return set(RetiredPhoto.objects.values_list("path", flat=True))


@pytest.mark.parametrize("bulk", [False, True])
def test_deleting_in_the_admin_retires_the_photo_files_and_the_sweep_removes_them(
    client, media, bulk, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    article = with_photo(media, 912345005)
    paths = {article.image, article.image_thumbnail}

    with django_capture_on_commit_callbacks(execute=True):
        if bulk:
            client.post(
                CHANGELIST, {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"}
            )
        else:
            client.post(f"{CHANGELIST}{article.pk}/delete/", {"post": "yes"})

    # A product page or a cached list rendered a moment before still shows them.
    assert retired_paths() == paths
    assert all((media / path).exists() for path in paths)
    assert sorted(sweep_after_the_grace().removed) == sorted(paths)
    # Nothing left for the media server to serve.
    assert not any((media / path).exists() for path in paths)


def test_a_delete_rolled_back_retires_nothing(media):
    article = with_photo(media, 912345006)

    with pytest.raises(RuntimeError), transaction.atomic():
        articles_delete(article_ids=[article.pk])
        assert retired_paths() == {article.image, article.image_thumbnail}
        raise RuntimeError("a later step of the same transaction failed")

    assert retired_paths() == set()
    assert Article.objects.filter(pk=article.pk).exists()


def test_a_refused_delete_keeps_the_files(media, django_capture_on_commit_callbacks):
    sold = with_photo(media, 912345007)
    PurchaseFactory(article=sold)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ProtectedError):
        articles_delete(article_ids=[sold.pk])

    assert (media / sold.image).exists() and (media / sold.image_thumbnail).exists()
    assert retired_paths() == set()


def test_a_photo_another_article_records_is_kept(media, django_capture_on_commit_callbacks):
    deleted = with_photo(media, 912345008)
    ArticleFactory(image=deleted.image)

    with django_capture_on_commit_callbacks(execute=True):
        articles_delete(article_ids=[deleted.pk])
    sweep = sweep_after_the_grace()

    assert (sweep.removed, sweep.recorded) == ([deleted.image_thumbnail], [deleted.image])
    assert (media / deleted.image).exists()
    assert not (media / deleted.image_thumbnail).exists()


def test_a_photo_stored_for_an_article_deleted_meanwhile_leaves_no_files(
    media, tmp_path, django_capture_on_commit_callbacks
):
    """An import (or a staff upload, written once its save commits) stores the photo first and
    records it after: an article deleted in between kept the files, which no row pointed to."""
    article = ArticleFactory(article_id=912345009)
    source = tmp_path / "0912345009.jpg"
    Image.new("RGB", (60, 90), "red").save(source, "JPEG")
    stored = process_image(ImageTask(str(source), article.article_id, "", str(media)))
    assert all((media / path).exists() for path in stored.files)

    with django_capture_on_commit_callbacks(execute=True):
        articles_delete(article_ids=[article.pk])
        articles_record_photos(results=[stored])

    assert [path for path in media.rglob("*") if path.is_file()] == []


@pytest.mark.django_db(transaction=True)
def test_a_delete_waiting_for_a_new_photo_to_be_recorded_retires_the_new_files(media):
    """The delete read the photo paths before waiting for the row: a photo recorded meanwhile (by an
    import in its own transaction) left its files on disk, pointed to by no row."""
    article = with_photo(media, 912345010)
    version = "1a2b3c4d5e6f7a8b"
    new = (f"articles/091/0912345010-{version}.jpg", f"articles/thumbnails/091/0912345010-{version}.webp")
    for path in new:
        (media / path).write_bytes(b"new photo")

    def delete():
        try:
            articles_delete(article_ids=[article.pk])
        finally:
            connections.close_all()

    with other_connection() as importer:
        importer.execute(
            "UPDATE catalog_article SET image = %s, image_thumbnail = %s WHERE article_id = %s",
            [*new, article.pk],
        )
        deleting = threading.Thread(target=delete)
        deleting.start()
        deleting.join(timeout=1)
        assert deleting.is_alive()  # waiting for the row
        importer.commit()
    deleting.join()

    assert not Article.objects.filter(pk=article.pk).exists()
    # Retired, not left behind recorded by no row (the old files were the importer's to retire).
    assert retired_paths() == set(new)
    sweep_after_the_grace()
    assert not any((media / path).exists() for path in new)
