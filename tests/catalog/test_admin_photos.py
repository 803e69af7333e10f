"""Staff replace an article's photo by uploading one: checked, processed as an import would."""

import hashlib
import html
import io
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.db.models import QuerySet
from PIL import Image

from catalog.importer.image_files import processed_fingerprint
from catalog.models import Article, RetiredPhoto
from catalog.services import PHOTO_FIELDS
from tests.catalog.admin_forms import CHANGELIST, form_data, save
from tests.catalog.retired import sweep_after_the_grace
from tests.factories import ArticleFactory, UserFactory
from tests.recommendations.hostile_files import (
    cut_out_photo,
    cut_short_and_closed,
    encoded,
    red_corners,
    turned_photo,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    return client


def photo(size=(300, 450), colour="red", image_format="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, image_format)
    return buffer.getvalue()


def upload(data, name="photo.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_the_path_size_and_fingerprint_fields_are_read_only(staff_client):
    article = ArticleFactory()
    page = staff_client.get(f"{CHANGELIST}{article.article_id}/change/").text
    assert 'type="file" name="photo"' in page
    for field in ("image", "image_thumbnail", "image_width", "image_height", "image_sha256"):
        assert f'name="{field}"' not in page


def test_an_uploaded_photo_replaces_the_original_thumbnail_size_and_fingerprint(
    staff_client, settings, django_capture_on_commit_callbacks
):
    article = ArticleFactory(article_id=912345003)
    change = f"{CHANGELIST}{article.article_id}/change/"
    first, second = photo(), photo(size=(200, 300), colour="blue", image_format="JPEG")

    save(staff_client, change, form_data(article, photo=upload(first)), django_capture_on_commit_callbacks)
    article.refresh_from_db()
    first_files = [article.image, article.image_thumbnail]
    version = article.image_sha256[:16]
    assert article.image == f"articles/091/0912345003-{version}.jpg"
    assert article.image_thumbnail == f"articles/thumbnails/091/0912345003-{version}.webp"
    assert (article.image_width, article.image_height) == (300, 450)
    # Re-encoded: its fingerprint names the processing, as an import's does.
    assert article.image_sha256 == processed_fingerprint(first) != hashlib.sha256(first).hexdigest()
    with Image.open(settings.MEDIA_ROOT / article.image) as stored:
        assert (stored.format, stored.size) == ("JPEG", (300, 450))  # PNG stored as JPEG, as imports do
    assert (settings.MEDIA_ROOT / article.image_thumbnail).exists()

    save(
        staff_client,
        change,
        form_data(article, photo=upload(second, "photo.jpg")),
        django_capture_on_commit_callbacks,
    )
    article.refresh_from_db()
    assert (article.image_width, article.image_height) == (200, 300)
    assert article.image_sha256 == hashlib.sha256(second).hexdigest()
    assert (settings.MEDIA_ROOT / article.image).read_bytes() == second
    # The first photo's files are retired as the second is recorded: pages rendered before show them
    # until the sweep removes them after the grace period.
    assert sorted(RetiredPhoto.objects.values_list("path", flat=True)) == sorted(first_files)
    assert sorted(stored_files(settings.MEDIA_ROOT)) == sorted(
        [*first_files, article.image, article.image_thumbnail]
    )
    assert sorted(sweep_after_the_grace().removed) == sorted(first_files)
    assert sorted(stored_files(settings.MEDIA_ROOT)) == sorted([article.image, article.image_thumbnail])


def test_a_jpeg_with_a_page_appended_is_stored_without_it(
    staff_client, settings, django_capture_on_commit_callbacks
):
    article = ArticleFactory(article_id=912345004)
    page = b"<html><script>alert(document.cookie)</script></html>"
    polyglot = photo(size=(200, 300), image_format="JPEG") + page
    change = f"{CHANGELIST}{article.article_id}/change/"
    data = form_data(article, photo=upload(polyglot, "photo.jpg"))
    save(staff_client, change, data, django_capture_on_commit_callbacks)
    article.refresh_from_db()
    stored = (settings.MEDIA_ROOT / article.image).read_bytes()
    assert page not in stored and stored.endswith(b"\xff\xd9")
    assert (article.image_width, article.image_height) == (200, 300)
    assert article.image_sha256 == processed_fingerprint(polyglot)


def stored_files(root):
    """Every file under `root` (MEDIA_ROOT) and its bytes."""
    files = (path for path in root.rglob("*") if path.is_file())
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in files}


@pytest.mark.django_db(transaction=True)
def test_a_replacement_rolled_back_by_a_later_error_keeps_the_old_files_and_row(
    staff_client, settings, monkeypatch
):
    """The admin saves in one transaction, committed for real here. The new photo was written over
    the old files inside it: when a later step failed (the change's log entry losing the connection,
    say), the row went back to the old fingerprint and size while the disk held the new pixels,
    served under the old version and believed indexed by the content model."""
    article = ArticleFactory(article_id=912345008)
    change = f"{CHANGELIST}{article.article_id}/change/"
    assert staff_client.post(change, form_data(article, photo=upload(photo()))).status_code == 302
    article.refresh_from_db()
    recorded = [getattr(article, field) for field in PHOTO_FIELDS]
    files = stored_files(settings.MEDIA_ROOT)
    assert sorted(files) == sorted([article.image, article.image_thumbnail])

    def connection_lost(*args):
        raise DatabaseError("server closed the connection unexpectedly")

    # After save_model (which processes the photo) and inside the admin's transaction.
    monkeypatch.setattr("catalog.admin.ArticleAdmin.log_change", connection_lost)
    with pytest.raises(DatabaseError):
        staff_client.post(change, form_data(article, photo=upload(photo(size=(200, 300), colour="blue"))))

    article.refresh_from_db()
    assert [getattr(article, field) for field in PHOTO_FIELDS] == recorded
    # The old photo's bytes, and no file of the new one left behind.
    assert stored_files(settings.MEDIA_ROOT) == files


def test_a_new_article_can_be_added_with_its_photo(staff_client, django_capture_on_commit_callbacks):
    new = ArticleFactory.build(article_id=912345004)

    save(
        staff_client,
        f"{CHANGELIST}add/",
        form_data(new, photo=upload(photo())),
        django_capture_on_commit_callbacks,
    )

    assert Article.objects.get(article_id=912345004).image.startswith("articles/091/0912345004-")


def test_staff_are_told_a_new_photo_waits_for_the_next_content_run(
    staff_client, django_capture_on_commit_callbacks
):
    new = ArticleFactory.build(article_id=912345007)
    with django_capture_on_commit_callbacks(execute=True):
        added = staff_client.post(f"{CHANGELIST}add/", form_data(new, photo=upload(photo())), follow=True)
    article = Article.objects.get(article_id=912345007)
    with django_capture_on_commit_callbacks(execute=True):
        edited = staff_client.post(
            f"{CHANGELIST}{article.pk}/change/", form_data(article, detail_desc="Linen."), follow=True
        )

    notes = [str(message) for message in added.context["messages"]]
    assert any("until the next content training run" in note for note in notes)
    assert any("once it has sold" in note for note in notes)
    # An edit without a photo: the admin's own "changed successfully" alone.
    (edit_note,) = [str(message) for message in edited.context["messages"]]
    assert "changed successfully" in edit_note


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"GIF89a" + b"\x00" * 64, "GIF files are not accepted"),
        (photo(image_format="JPEG")[:200], "damaged or incomplete"),
        (b"not a photo at all", "not a photo we can read"),
        (photo(size=(8000, 6000), image_format="PNG"), "too many pixels"),
        # Cut short and given its end marker again: Pillow decodes it, grey from the cut on.
        (cut_short_and_closed(photo(image_format="JPEG")), "That photo is incomplete"),
    ],
)
def test_a_bad_upload_is_refused_with_a_message_and_changes_nothing(staff_client, data, words):
    article = ArticleFactory(image="articles/old.jpg", image_sha256="0" * 64)

    response = staff_client.post(
        f"{CHANGELIST}{article.article_id}/change/", form_data(article, photo=upload(data))
    )

    assert response.status_code == 200
    assert words in " ".join(response.context["adminform"].form.errors["photo"])
    article.refresh_from_db()
    assert (article.image, article.image_sha256) == ("articles/old.jpg", "0" * 64)


# Committed for real: the files are written as the admin's transaction commits.
@pytest.mark.django_db(transaction=True)
def test_a_photo_that_cannot_be_written_is_refused_with_the_path_and_the_other_changes_are_saved(
    staff_client, settings, tmp_path
):
    article = ArticleFactory(prod_name="Old name", image="articles/old.jpg", image_sha256="0" * 64)
    # A regular file where MEDIA_ROOT's folder should be: refused for root too, as a full disk is.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"
    change = f"{CHANGELIST}{article.article_id}/change/"

    response = staff_client.post(change, form_data(article, prod_name="New name", photo=upload(photo())))

    assert response.status_code == 302
    assert response["Location"] == change
    page = html.unescape(staff_client.get(change).text)
    assert f"could not be stored in MEDIA_ROOT: {blocker}/media/articles/" in page
    assert "Not a directory. The article keeps its old photo" in page
    article.refresh_from_db()
    assert (article.prod_name, article.image) == ("New name", "articles/old.jpg")
    assert article.image_sha256 == "0" * 64


@pytest.mark.django_db(transaction=True)
def test_a_photo_the_database_fails_to_record_is_refused_with_a_message_and_the_other_changes_are_saved(
    staff_client, settings, monkeypatch
):
    """The photo's record is its own transaction, after the form's commit: its failure gave a 500
    page, which said nothing of the changes that were saved."""
    article = ArticleFactory(prod_name="Old name", image="articles/old.jpg", image_sha256="0" * 64)
    change = f"{CHANGELIST}{article.article_id}/change/"
    staff_client.raise_request_exception = False
    bulk_update = QuerySet.bulk_update

    def connection_lost(queryset, objs, fields, **kwargs):
        if "image_sha256" in fields:
            raise DatabaseError("server closed the connection unexpectedly")
        return bulk_update(queryset, objs, fields, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_update", connection_lost)

    response = staff_client.post(change, form_data(article, prod_name="New name", photo=upload(photo())))

    assert response.status_code == 302
    assert response["Location"] == change
    page = html.unescape(staff_client.get(change).text)
    assert f"The photo of article {article.display_id} could not be recorded: the database failed" in page
    article.refresh_from_db()
    assert (article.prod_name, article.image) == ("New name", "articles/old.jpg")
    assert article.image_sha256 == "0" * 64
    assert stored_files(settings.MEDIA_ROOT) == {}  # the files written for it went again


@pytest.mark.django_db(transaction=True)
def test_a_new_article_whose_photo_cannot_be_written_opens_on_its_change_page(
    staff_client, settings, tmp_path
):
    """It was added: the blank add form it went back to offered to add it again, refused as a
    duplicate id."""
    new = ArticleFactory.build(article_id=912345009)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"

    response = staff_client.post(f"{CHANGELIST}add/", form_data(new, photo=upload(photo())))

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}{new.article_id}/change/"
    page = html.unescape(staff_client.get(response["Location"]).text)
    assert "could not be stored in MEDIA_ROOT" in page
    assert Article.objects.get(article_id=new.article_id).image == ""


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_a_phone_photo_is_stored_upright_and_so_is_its_thumbnail(
    staff_client, settings, django_capture_on_commit_callbacks, image_format
):
    """Stored 300x150 with its top left red and orientation 6 (turn a quarter to the right): the
    thumbnail was made sideways and the size recorded sideways; a PNG or WebP lost its turn."""
    article = ArticleFactory(article_id=912345005)
    data = turned_photo(6, fmt=image_format)

    save(
        staff_client,
        f"{CHANGELIST}{article.article_id}/change/",
        form_data(article, photo=upload(data, f"phone.{image_format.lower()}")),
        django_capture_on_commit_callbacks,
    )

    article.refresh_from_db()
    assert (article.image_width, article.image_height) == (150, 300)
    with Image.open(settings.MEDIA_ROOT / article.image) as stored:
        assert stored.size == (150, 300) and stored.getexif().get(0x0112, 1) == 1
        assert red_corners(stored) == [False, True, False, False]
    with Image.open(settings.MEDIA_ROOT / article.image_thumbnail) as thumbnail:
        assert thumbnail.height > thumbnail.width
        assert red_corners(thumbnail) == [False, True, False, False]
    assert article.image_sha256 == processed_fingerprint(data)


def test_a_cut_out_on_a_transparent_background_is_stored_on_white(
    staff_client, settings, django_capture_on_commit_callbacks
):
    """The shop's own product cut-outs: converted plainly, the background came out black."""
    article = ArticleFactory(article_id=912345006)

    save(
        staff_client,
        f"{CHANGELIST}{article.article_id}/change/",
        form_data(article, photo=upload(encoded(cut_out_photo(), "PNG"))),
        django_capture_on_commit_callbacks,
    )

    article.refresh_from_db()
    for path in (article.image, article.image_thumbnail):
        with Image.open(settings.MEDIA_ROOT / path) as stored:
            assert min(stored.convert("RGB").getpixel((2, 2))) > 240, path


def test_an_upload_over_the_size_limit_is_refused(staff_client, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    article = ArticleFactory()

    response = staff_client.post(
        f"{CHANGELIST}{article.article_id}/change/", form_data(article, photo=upload(photo(size=(600, 900))))
    )

    assert "too large" in " ".join(response.context["adminform"].form.errors["photo"])


def test_a_replaced_photo_is_linked_under_a_new_address_everywhere(
    client, staff_client, django_capture_on_commit_callbacks
):
    """Browsers and caches that kept the old thumbnail would show it on every page until they
    thought it stale: the new photo has files of its own, and a version in its addresses."""
    article = ArticleFactory(article_id=912345006)
    change = f"{CHANGELIST}{article.article_id}/change/"
    api = f"/api/v1/articles/{article.display_id}/"

    def addresses():
        answer = client.get(api).json()
        return urlsplit(answer["image_url"]), urlsplit(answer["thumbnail_url"])

    save(staff_client, change, form_data(article, photo=upload(photo())), django_capture_on_commit_callbacks)
    before = addresses()
    article.refresh_from_db()  # as the form is opened again
    save(
        staff_client,
        change,
        form_data(article, photo=upload(photo(colour="blue"))),
        django_capture_on_commit_callbacks,
    )
    after = addresses()

    assert after[0].path != before[0].path and after[1].path != before[1].path
    assert after[0].query != before[0].query and after[1].query != before[1].query
    article.refresh_from_db()
    page = html.unescape(client.get(article.get_absolute_url()).text)
    assert f'src="{after[0].path}?{after[0].query}"' in page
    changelist = html.unescape(staff_client.get(CHANGELIST).text)
    assert f'src="{after[1].path}?{after[1].query}"' in changelist


def test_a_photo_address_with_a_query_of_its_own_keeps_it(monkeypatch):
    """Object storage signs its URLs with a query: the photo's version is added to it."""
    monkeypatch.setattr(
        "catalog.models.default_storage.url", lambda path: f"https://bucket.example/{path}?signature=abc"
    )
    article = ArticleFactory.build(image="articles/091/0912345006.jpg", image_sha256="ab" * 32)
    url = urlsplit(article.photo_url(article.image))
    assert url.path == "/articles/091/0912345006.jpg"
    assert url.query == f"signature=abc&v={'ab' * 8}"
