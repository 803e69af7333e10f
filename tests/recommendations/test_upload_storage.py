"""Shop-the-look photos, on the page and through the API, are searched from memory: nothing of
them is written to disk, even for the length of the request."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from tests.recommendations.hostile_files import jpeg_photo
from tests.recommendations.test_oversized_uploads import IMAGE_API, PAGE, form_token
from tests.recommendations.test_oversized_uploads import upload as upload_of_size

pytestmark = pytest.mark.django_db


@pytest.fixture
def spooled(monkeypatch):
    """The uploads Django spools to a temporary file (on disk until the request ends)."""
    names: list[str] = []
    new_file = TemporaryFileUploadHandler.new_file

    def recording(handler, field_name, file_name, *args, **kwargs):
        names.append(file_name)
        return new_file(handler, field_name, file_name, *args, **kwargs)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", recording)
    return names


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the searches' throttles
    yield settings.MEDIA_ROOT
    cache.clear()


@pytest.mark.parametrize("size", ["small", "at the limit"])
def test_a_searched_photo_is_never_written_to_disk(client, settings, media, spooled, size):
    """At the size limit too: Django spools a body over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary
    file, so that must stay above the largest upload the size check lets through."""
    if size == "small":
        photo = io.BytesIO(jpeg_photo())
        photo.name = "look.jpg"
    else:
        photo = upload_of_size(settings.MAX_UPLOAD_BYTES)

    page = client.post(PAGE, {"csrfmiddlewaretoken": form_token(client), "image": photo})
    photo.seek(0)
    api = client.post(IMAGE_API, {"image": photo})

    assert page.status_code < 500 and api.status_code < 500
    assert spooled == []
    assert not media.exists() or not any(media.rglob("*"))
