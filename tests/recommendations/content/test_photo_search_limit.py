"""Photo searches one web process runs at once are capped (PHOTO_SEARCHES_PER_PROCESS): one more is
refused at once with 503 and Retry-After instead of waiting in one of the threads page views need.

Shoppers are threads posting to the real views, whose searches run the trained encoder; each holds
its slot inside the encoder until the test lets it go, so "at once" does not depend on timing.
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tests.recommendations.hostile_files import SVG_NAMED_JPG, encoded
from tests.recommendations.photos import garment_photo

pytestmark = pytest.mark.django_db

IMAGE_API = "/api/v1/search/image/"
PAGE = "/shop-the-look/"
WAIT_SECONDS = 30


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def photo_file(data: bytes | None = None) -> io.BytesIO:
    upload = io.BytesIO(data if data is not None else encoded(garment_photo(8, "Blue", variant=30), "JPEG"))
    upload.name = "look.jpg"
    return upload


class SlowShoppers:
    """Shoppers whose photo searches are inside the encoder, each holding a slot until release()."""

    def __init__(self, model, monkeypatch) -> None:
        self.inside = threading.Semaphore(0)
        self.let_go = threading.Event()
        self.statuses: list[int] = []
        self.threads: list[threading.Thread] = []
        encode = model.similar_query

        def held_encode(image):
            self.inside.release()
            self.let_go.wait(WAIT_SECONDS)
            return encode(image)

        monkeypatch.setattr(model, "similar_query", held_encode)

    def start(self, count: int, path: str) -> None:
        for _ in range(count):
            thread = threading.Thread(target=self._search, args=(path,))
            self.threads.append(thread)
            thread.start()
        for _ in range(count):
            assert self.inside.acquire(timeout=WAIT_SECONDS), "a photo search never reached the encoder"

    def _search(self, path: str) -> None:
        try:
            self.statuses.append(Client().post(path, {"image": photo_file()}).status_code)
        finally:
            connection.close()  # this thread's own connection

    def release(self) -> list[int]:
        self.let_go.set()
        for thread in self.threads:
            thread.join(WAIT_SECONDS)
        return self.statuses


@pytest.fixture
def slow_shoppers(trained, monkeypatch) -> Iterator[SlowShoppers]:
    shoppers = SlowShoppers(trained[3], monkeypatch)
    yield shoppers
    shoppers.release()  # also when the test failed half-way


def test_a_photo_search_beyond_the_limit_is_refused_at_once_with_retry_after(client, settings, slow_shoppers):
    settings.PHOTO_SEARCHES_PER_PROCESS = 2
    slow_shoppers.start(2, IMAGE_API)

    response = client.post(IMAGE_API, {"image": photo_file()})

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "try again" in response.json()["detail"]
    assert slow_shoppers.release() == [200, 200]


def test_the_page_explains_a_refusal_and_keeps_the_form(client, settings, slow_shoppers):
    settings.PHOTO_SEARCHES_PER_PROCESS = 1
    slow_shoppers.start(1, PAGE)

    response = client.post(PAGE, {"image": photo_file(), "product_type": "Bag"})

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert 'role="alert"' in page and "try again" in page
    assert '<option value="Bag" selected>' in page
    assert slow_shoppers.release() == [200]


def test_slots_are_given_back_after_searches_and_rejected_uploads(client, settings, trained):
    settings.PHOTO_SEARCHES_PER_PROCESS = 1
    assert client.post(IMAGE_API, {"image": photo_file(SVG_NAMED_JPG)}).status_code == 415
    assert client.post(IMAGE_API, {"image": photo_file()}).status_code == 200
    assert client.post(PAGE, {"image": photo_file()}).status_code == 200


def test_the_limit_defaults_to_half_the_threads_and_refuses_zero_or_words():
    def setting(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "import storefront.settings as s; print(s.PHOTO_SEARCHES_PER_PROCESS)"],
            env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "k" * 60, **env},
            capture_output=True,
            text=True,
        )

    assert setting().stdout.strip() == "2"
    assert setting(WEB_THREADS="8").stdout.strip() == "4"
    assert setting(WEB_THREADS="1").stdout.strip() == "1"
    assert setting(PHOTO_SEARCHES_PER_PROCESS="3").stdout.strip() == "3"
    for value in ("0", "two", "-1", "²"):
        refused = setting(PHOTO_SEARCHES_PER_PROCESS=value)
        assert refused.returncode != 0
        assert f"PHOTO_SEARCHES_PER_PROCESS={value!r} must be a whole number of at least 1" in refused.stderr
