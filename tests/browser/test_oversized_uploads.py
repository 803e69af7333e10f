"""An oversized photo, sent to gunicorn the way real clients send it, gets the readable 413 page,
not a connection reset: the view reads and discards the body (up to a bound) before it answers,
because gunicorn closes a connection whose body was left unread. With JavaScript the page refuses
the file before sending it at all."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import urllib.parse

import pytest

from storefront.photo_checks import megabytes
from tests.browser.conftest import policy_refusals
from tests.live_processes import HttpSession

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


def test_without_javascript_the_browser_shows_the_413_page(browser, web, oversized_photo):
    context = browser.new_context(java_script_enabled=False, base_url=web.base_url)
    refusals = policy_refusals(context)
    page = context.new_page()
    page.goto(PAGE)
    page.set_input_files("#look-photo", str(oversized_photo))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Find similar pieces").click()
    assert navigation.value.status == 413
    assert page.get_by_test_id("upload-error").inner_text() == MESSAGE
    context.close()
    assert not refusals, refusals


def test_with_javascript_the_page_refuses_an_oversized_photo_before_sending_it(page, tmp_path, settings):
    settings.MAX_UPLOAD_BYTES = LIMIT
    photo = tmp_path / "holiday.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * (OVERSIZED - 4))
    sent = []
    page.on("request", lambda request: sent.append(request.method))
    page.goto(PAGE)
    page.set_input_files("#look-photo", str(photo))
    assert page.locator("[data-client-error]").inner_text() == MESSAGE
    assert page.eval_on_selector("#look-photo", "input => input.files.length") == 0
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
