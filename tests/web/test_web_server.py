"""The web server as the project runs it (gunicorn with gunicorn.conf.py): one slow shopper does
not hold up the others, and a fresh worker answers while its models load."""

import http.client
import socket
import time

import pytest

from recommendations.training import training_run_execute_in_process, training_run_request
from tests.live_processes import HttpSession
from tests.recommendations import dummy_kind

# Far below gunicorn's worker timeout (60 s in tests), after which a stuck worker is restarted.
ANSWER_WITHIN_SECONDS = 10


def test_a_photo_still_uploading_does_not_hold_up_other_shoppers(start_web):
    web = start_web()  # one worker process, as tests start it
    with socket.create_connection(("127.0.0.1", web.port)) as phone:
        # A phone on a weak signal: the headers of a 2 MB photo, then only its first bytes.
        phone.sendall(
            b"POST /api/v1/search/image/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=photo\r\nContent-Length: 2000000\r\n\r\n"
            b'--photo\r\nContent-Disposition: form-data; name="image"; filename="me.jpg"\r\n\r\n\xff\xd8'
        )
        time.sleep(0.5)  # the server has read the headers and waits for the rest

        started = time.monotonic()
        shopper = http.client.HTTPConnection("127.0.0.1", web.port, timeout=ANSWER_WITHIN_SECONDS)
        shopper.request("GET", "/healthz")
        assert shopper.getresponse().status == 200
        assert time.monotonic() - started < ANSWER_WITHIN_SECONDS


# Longer than gunicorn takes to answer without models here (2-5 s on a busy 2-core machine).
MODEL_LOAD_SECONDS = 20


@pytest.mark.usefixtures("dummy_kind_registered", "dispatched")
def test_a_fresh_worker_answers_pages_while_its_models_are_still_loading(start_web):
    run = training_run_request(kind_name=dummy_kind.KIND_NAME, parameters={"load_sleep": MODEL_LOAD_SECONDS})
    training_run_execute_in_process(run_id=run.pk)
    serving = f"Serving {dummy_kind.KIND_NAME} version"

    started = time.monotonic()
    web = start_web()  # returns once the worker answers a page

    assert serving not in web.log(), "the worker answered only after loading its models"
    assert time.monotonic() - started < MODEL_LOAD_SECONDS
    shop = HttpSession(web.base_url)
    assert shop.get("/").status == 200
    assert shop.get("/search/?q=dress").status == 200
    deadline = time.monotonic() + 2 * MODEL_LOAD_SECONDS
    while serving not in web.log():  # loaded in the background meanwhile
        assert time.monotonic() < deadline, web.log()
        time.sleep(0.2)


def test_the_control_socket_is_off_unless_the_operator_names_a_path(start_web, tmp_path):
    first = start_web()
    path = tmp_path / "shop.ctl"
    second = start_web(GUNICORN_CONTROL_SOCKET=str(path))
    deadline = time.monotonic() + 10
    while not path.exists():
        assert time.monotonic() < deadline, second.log()
        time.sleep(0.1)
    assert "Control socket" not in first.log()


def test_searches_earlier_tests_made_leave_the_web_process_searching(start_web, client):
    # The search counters are shared through Redis: 61 searches here (the test settings allow them)
    # used up the default 60 a minute of the gunicorn that the next test started, which got 429s.
    for _ in range(61):
        assert client.get("/search/?q=dress").status_code == 200
    web = start_web()
    assert HttpSession(web.base_url).get("/search/?q=dress").status == 200


def test_a_head_request_is_answered_without_a_body_or_a_warning(start_web):
    # Django leaves the GET body in a HEAD answer; gunicorn dropped it with a warning in the log
    # for every one, and uptime monitors send HEAD all day.
    web = start_web()
    shop = HttpSession(web.base_url)
    page = shop.get("/accounts/login/")
    head = shop.request("HEAD", "/accounts/login/")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Length"] == str(len(page.body))
    assert shop.request("HEAD", "/api/v1/articles/").status == 200
    assert "no-body response" not in web.log()
