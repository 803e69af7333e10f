"""An oversized photo, sent to gunicorn the way real clients send it, gets the readable 413 page,
not a connection reset: the view reads and discards the body (up to a bound) before it answers,
because gunicorn closes a connection whose body was left unread. With JavaScript the page sends
such a photo redrawn, far under the limit, and refuses before sending it only a file it cannot
redraw; so too a photo under the limit in bytes but over the cap in pixels."""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
import urllib.parse

import numpy as np
import pytest
from PIL import Image

from recommendations.content import photo_search_slots
from storefront.photo_checks import MAX_UPLOAD_PIXELS, megabytes
from tests.browser.conftest import policy_refusals
from tests.live_processes import HttpSession
from tests.recommendations.content.conftest import trained, trained_content  # noqa: F401  (fixtures)
from tests.recommendations.hostile_files import encoded, red_corners, turned_photo
from tests.recommendations.photos import garment_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIMIT = 2 * 1024 * 1024
# Over the limit, under the four times it that the view reads and discards.
OVERSIZED = 7 * 1024 * 1024
PAGE = "/shop-the-look/"
MESSAGE = "That photo is too large (7 MB). The limit is 2 MB."


@pytest.fixture
def web(start_web):
    return start_web(MAX_UPLOAD_BYTES=str(LIMIT))


@pytest.fixture
def oversized_photo(tmp_path):
    path = tmp_path / "holiday.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * (OVERSIZED - 4))
    return path


def form_session(web) -> tuple[str, str]:
    """A CSRF cookie and the form's token, as a browser holds them after loading the page."""
    session = HttpSession(web.base_url)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(PAGE).text)
    assert found, "no CSRF token on the page"
    return session.cookies["csrftoken"], found[1]


def test_a_client_that_sends_the_whole_body_before_reading_gets_the_413_page(web):
    """What browsers do. Sent over a small send buffer, so that a server that stops reading
    cannot hide it in the sockets' buffers: the client would then see its connection reset."""
    cookie, token = form_session(web)
    boundary = "----photo-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="holiday.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff\xd8"
        + b"\x00" * (OVERSIZED - 2)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    address = urllib.parse.urlsplit(web.base_url)
    head = (
        f"POST {PAGE} HTTP/1.1\r\nHost: {address.netloc}\r\nCookie: csrftoken={cookie}\r\n"
        f"Referer: {web.base_url}{PAGE}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=30) as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        client.sendall(head + body)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert MESSAGE in answer.decode(errors="replace")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_gets_the_413_page(web, oversized_photo):
    cookie, token = form_session(web)
    result = subprocess.run(
        [
            "curl", "--silent", "--show-error", "--write-out", "\n%{http_code}",
            "--cookie", f"csrftoken={cookie}", "--referer", f"{web.base_url}{PAGE}",
            "--form", f"csrfmiddlewaretoken={token}", "--form", f"image=@{oversized_photo}",
            f"{web.base_url}{PAGE}",
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page, status = result.stdout.rsplit("\n", 1)
    assert status == "413" and MESSAGE in page


def test_without_javascript_the_browser_shows_the_413_page(request, browser, web, oversized_photo):
    context = browser.new_context(java_script_enabled=False, base_url=web.base_url)
    request.addfinalizer(context.close)  # also when the test fails
    refusals = policy_refusals(context)
    page = context.new_page()
    page.goto(PAGE)
    page.set_input_files("#look-photo", str(oversized_photo))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Find similar pieces").click()
    assert navigation.value.status == 413
    assert page.get_by_test_id("upload-error").inner_text() == MESSAGE
    assert not refusals, refusals


def test_with_javascript_an_oversized_file_the_browser_cannot_redraw_is_refused_before_sending_it(
    page, tmp_path, settings
):
    settings.MAX_UPLOAD_BYTES = LIMIT
    photo = tmp_path / "holiday.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * (OVERSIZED - 4))  # a JPEG's start, then nothing
    sent = []
    page.on("request", lambda request: sent.append(request.method))
    page.goto(PAGE)
    page.set_input_files("#look-photo", str(photo))
    assert page.locator("[data-client-error]").inner_text() == MESSAGE
    assert page.eval_on_selector("#look-photo", "input => input.files.length") == 0
    assert page.locator("[data-crop-area]").is_hidden()
    assert "POST" not in sent


def test_the_page_writes_the_sizes_as_the_server_does(page, tmp_path, settings):
    """A tenth where it matters (storefront.photo_checks.megabytes): 7.25 MB against a 2.5 MB limit
    read "(7 MB). The limit is 2 MB.", and a 2.5 MB limit is the limit of 2.5 MB photos."""
    limit = settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024 // 2
    page.goto(PAGE)
    for size, written in ((29 * 1024 * 1024 // 4, "7.3 MB"), (limit + 1, "2.6 MB")):
        photo = tmp_path / f"holiday-{size}.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * (size - 4))  # no photo a browser can decode
        page.set_input_files("#look-photo", str(photo))
        message = page.locator("[data-client-error]").inner_text()
        assert message == f"That photo is too large ({written}). The limit is 2.5 MB."
        # Word for word what the server writes.
        assert (written, "2.5 MB") == (megabytes(size, over_limit=limit), megabytes(limit))


@pytest.mark.usefixtures("trained")
def test_with_javascript_an_oversized_photo_is_sent_redrawn_under_the_limit_and_searched(
    page, tmp_path, settings, monkeypatch
):
    """A 12 MP phone photo over the limit (here 3 MB against 2 MB) was refused as soon as it was
    picked, although the page sends it redrawn at most 1,600 px a side, a fraction of the limit."""
    settings.MAX_UPLOAD_BYTES = LIMIT
    pixels = np.asarray(garment_photo(8, "Blue", variant=30).resize((4000, 3000)), np.float32)
    grain = np.random.default_rng(0).normal(0, 4, pixels.shape)  # a camera's noise: a big file
    photo = tmp_path / "phone.jpg"
    snapshot = Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8))
    photo.write_bytes(encoded(snapshot, "JPEG", quality=95))
    assert photo.stat().st_size > LIMIT
    received = what_the_server_receives(monkeypatch)
    page.goto(PAGE)
    page.set_input_files("#look-photo", str(photo))
    page.locator("[data-crop-stage]").wait_for(state="visible")
    assert page.locator("[data-client-error]").count() == 0
    page.get_by_role("button", name="Find similar pieces").click()
    results = page.locator("[data-testid=look-results] .card")
    results.first.wait_for()
    assert results.count() >= 1
    [(request_size, sent)] = received
    assert request_size < LIMIT
    with Image.open(io.BytesIO(sent)) as image:
        assert image.format == "JPEG" and image.size == (1600, 1200)


def test_with_javascript_a_photo_over_the_pixel_cap_but_under_the_size_limit_is_sent_redrawn_and_searched(
    page, tmp_path, settings, monkeypatch
):
    """A 48 MP PNG of a few hundred kB (a screenshot, a stitched panorama: flat colours compress
    well) was sent as it was, under the limit in bytes, and refused for its pixels."""
    panorama = Image.new("RGB", (8000, 6000), (235, 235, 230))
    panorama.paste(garment_photo(8, "Blue", variant=30).resize((4000, 4000)), (2000, 1000))
    photo = tmp_path / "panorama.png"
    photo.write_bytes(encoded(panorama, "PNG", compress_level=1))
    assert photo.stat().st_size < settings.MAX_UPLOAD_BYTES
    assert panorama.width * panorama.height > MAX_UPLOAD_PIXELS
    status, sent = sent_through_the_page(page, photo, monkeypatch)
    assert status == 200
    assert page.get_by_test_id("upload-error").count() == 0
    assert page.get_by_test_id("look-query").is_visible()  # searched: the photo beside the results
    with Image.open(io.BytesIO(sent)) as image:
        assert image.format == "JPEG" and image.size == (1600, 1200)


def test_with_javascript_a_cut_out_redrawn_in_the_browser_is_sent_on_white(page, tmp_path, monkeypatch):
    """A JPEG has no transparency: drawn onto a bare canvas, a cut-out's background went black,
    where the server puts the photos it flattens itself on white."""
    cut_out = Image.new("RGBA", (8000, 6000), (0, 0, 0, 0))  # over the pixel cap: sent redrawn
    cut_out.paste(garment_photo(8, "Blue", variant=30).resize((4000, 4000)), (2000, 1000))
    photo = tmp_path / "cut-out.png"
    photo.write_bytes(encoded(cut_out, "PNG", compress_level=1))
    _, sent = sent_through_the_page(page, photo, monkeypatch)
    with Image.open(io.BytesIO(sent)) as image:
        corner = image.convert("RGB").getpixel((5, 5))
    assert min(corner) >= 245, corner


def test_with_javascript_a_sideways_phone_photo_is_redrawn_upright_and_shown_upright(
    page, tmp_path, monkeypatch
):
    """A phone stores its pixels sideways with EXIF orientation 6; the redrawn copy carries no
    EXIF, so it has to be drawn upright, and the photo shown beside the results is upright too."""
    photo = tmp_path / "phone.jpg"
    photo.write_bytes(turned_photo(6, size=(8000, 6000)))  # over the pixel cap: sent redrawn
    _, sent = sent_through_the_page(page, photo, monkeypatch)
    with Image.open(io.BytesIO(sent)) as image:
        assert image.size == (1200, 1600) and image.getexif().get(0x0112, 1) == 1
        assert red_corners(image) == [False, True, False, False]  # stored top left, turned right
    shown = page.get_by_test_id("look-query").locator("img")
    assert shown.evaluate("image => image.naturalWidth < image.naturalHeight")


def sent_through_the_page(page, photo, monkeypatch) -> tuple[int, bytes]:
    """Chooses `photo` on the page and presses Find: the answer's status and the photo the server
    received (as the page sent it: redrawn or not)."""
    received = what_the_server_receives(monkeypatch)
    page.goto(PAGE)
    page.set_input_files("#look-photo", str(photo))
    page.locator("[data-crop-stage]").wait_for(state="visible")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Find similar pieces").click()
    [(_, sent)] = received
    return navigation.value.status, sent


def what_the_server_receives(monkeypatch) -> list[tuple[int, bytes]]:
    """(request body size, photo) of each upload a photo search reads, filled as they come."""
    received: list[tuple[int, bytes]] = []
    read_photo = photo_search_slots.photo_from_request

    def noting(request):
        upload = request.FILES["image"]
        received.append((int(request.META["CONTENT_LENGTH"]), upload.read()))
        return read_photo(request)

    monkeypatch.setattr(photo_search_slots, "photo_from_request", noting)
    return received
