"""HEAD answers lose their body here (gunicorn logged a warning for every one it had to drop)."""

import io

import pytest
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory

from storefront.head_requests import EmptyHeadBodies


# Closing an answer sends request_finished, which checks the database connection an earlier test
# may have left open (blocked outside a database test: the test failed after the API tests).
@pytest.mark.django_db
def test_a_file_answered_to_head_keeps_its_length_and_sends_nothing():
    photo = io.BytesIO(b"\xff\xd8" + b"\x00" * 998)
    answer = EmptyHeadBodies(lambda request: FileResponse(photo, filename="photo.jpg"))(
        RequestFactory().head("/media/articles/010/0108775015.jpg")
    )
    assert answer["Content-Length"] == "1000"
    assert b"".join(answer.streaming_content) == b""
    answer.close()
    assert photo.closed


def test_get_keeps_its_body():
    answer = EmptyHeadBodies(lambda request: HttpResponse(b"page"))(RequestFactory().get("/"))
    assert answer.content == b"page"
