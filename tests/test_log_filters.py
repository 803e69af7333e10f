"""The shop's log: requests Django refuses as suspicious are one line each, without a traceback."""

import io
import logging

import pytest


@pytest.fixture
def shop_log():
    """What the configured console handler writes, the handler gunicorn's and the workers' logs get."""
    (handler,) = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    yield written
    handler.setStream(previous)


@pytest.mark.django_db
def test_a_request_for_another_host_is_one_line_naming_the_host(client, shop_log):
    response = client.get("/", HTTP_HOST="203.0.113.7")
    assert response.status_code == 400
    lines = shop_log.getvalue().splitlines()
    assert lines == [lines[0]]
    assert "ERROR django.security.DisallowedHost: Invalid HTTP_HOST header: '203.0.113.7'." in lines[0]


def test_other_errors_keep_their_traceback(shop_log):
    try:
        raise RuntimeError("the data is on fire")
    except RuntimeError:
        logging.getLogger("recommendations.training").exception("Training run 7 crashed.")
    assert "Traceback (most recent call last)" in shop_log.getvalue()
    assert "RuntimeError: the data is on fire" in shop_log.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_middleware_that_lost_the_database_is_logged_without_a_traceback(settings, shop_log):
    # handler500 answers it with the 503 "try again" and logs the database's error; Django's own
    # line for a 5xx came with the 70-line traceback of an outage, not of a bug.
    from django.test import Client

    from tests.outages import database_unreachable_from_this_process

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_database_unavailable.AsksTheDatabaseOnTheWayOut"]
    with database_unreachable_from_this_process():
        response = Client(raise_request_exception=False).get("/healthz")

    assert response.status_code == 503
    log = shop_log.getvalue()
    assert "Database unavailable, answered 503: GET /healthz:" in log and "Connection refused" in log
    assert "ERROR django.request: Service Unavailable: /healthz" in log
    assert "Traceback" not in log
