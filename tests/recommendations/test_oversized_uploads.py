"""An upload over the size limit is refused from its declared size before anything parses the body:
not the CSRF check (which reads the form's token from request.POST), not the API's session
authentication (which runs the same check). Parsing would spool a body of any size to disk."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.http import multipartparser
from django.test import Client

from tests.factories import UserFactory
from tests.recommendations.hostile_files import jpeg_photo

pytestmark = pytest.mark.django_db

PAGE = "/shop-the-look/"
IMAGE_API = "/api/v1/search/image/"
LIMIT = 100_000  # bytes; the requests' own overhead allowance (64 kB) comes on top
OVERSIZED = 3 * LIMIT


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.MAX_UPLOAD_BYTES = LIMIT
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def parsed_bodies(monkeypatch):
    """Each multipart body Django parses, counted as it starts."""
    counted: list[int] = []
    parse = multipartparser.MultiPartParser.parse

    def counting(parser):
        counted.append(parser._content_length)
        return parse(parser)

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", counting)
    return counted


def upload(size: int) -> io.BytesIO:
    data = io.BytesIO(b"\xff\xd8" + b"\x00" * (size - 2))
    data.name = "holiday.jpg"
    return data


def form_token(client: Client) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(PAGE).content.decode())
    assert found, "no CSRF token on the page"
    return found[1]


def test_an_oversized_photo_from_the_form_is_refused_before_its_body_is_parsed(parsed_bodies):
    shopper = Client(enforce_csrf_checks=True)
    response = shopper.post(PAGE, {"csrfmiddlewaretoken": form_token(shopper), "image": upload(OVERSIZED)})
    assert response.status_code == 413
    assert "That photo is too large" in response.content.decode()
    assert parsed_bodies == []


def test_the_form_still_needs_its_csrf_token(parsed_bodies):
    shopper = Client(enforce_csrf_checks=True)
    form_token(shopper)  # the cookie, but no token in the form
    photo = io.BytesIO(jpeg_photo())
    photo.name = "look.jpg"
    assert shopper.post(PAGE, {"image": photo}).status_code == 403
    photo.seek(0)
    answered = shopper.post(PAGE, {"csrfmiddlewaretoken": form_token(shopper), "image": photo})
    assert answered.status_code == 200 and len(parsed_bodies) == 2


def test_an_oversized_photo_from_a_signed_in_api_client_is_refused_before_its_body_is_parsed(parsed_bodies):
    # Session authentication checks CSRF, which reads request.POST; the header carries the token.
    shopper = Client(enforce_csrf_checks=True)
    shopper.force_login(UserFactory())
    token = form_token(shopper)
    response = shopper.post(IMAGE_API, {"image": upload(OVERSIZED)}, headers={"X-CSRFToken": token})
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert parsed_bodies == []
