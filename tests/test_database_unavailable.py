"""A request that cannot reach PostgreSQL is a 503 to try again, logged with the database's error."""

import contextlib
import logging

import pytest
from django.db import OperationalError, connection, transaction

from storefront.database_unavailable import UNAVAILABLE_MESSAGE, database_unreachable

NOTHING_LISTENS = "1"  # port 1: connection refused at once


@contextlib.contextmanager
def database_unreachable_from_this_process():
    """A real refused connection: this process's next connection goes to a port where nothing listens."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = NOTHING_LISTENS
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


@pytest.mark.django_db(transaction=True)
def test_a_page_without_its_database_asks_to_try_again_and_the_log_says_why(client, caplog):
    with database_unreachable_from_this_process(), caplog.at_level(logging.ERROR):
        response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert UNAVAILABLE_MESSAGE in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()
    assert "Database unavailable, answered 503: GET /:" in caplog.text
    assert f"port {NOTHING_LISTENS} failed: Connection refused" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_api_without_its_database_answers_json_to_try_again(client):
    with database_unreachable_from_this_process():
        response = client.get("/api/v1/articles/")

    assert response.status_code == 503
    assert response.json() == {"detail": UNAVAILABLE_MESSAGE}


@pytest.mark.django_db
def test_a_query_cancelled_by_a_statement_timeout_is_no_outage():
    # A slow query is the shop's fault (a 500 to fix), not the database's absence.
    with pytest.raises(OperationalError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 10")
        cursor.execute("SELECT pg_sleep(1)")

    assert "statement timeout" in str(raised.value)
    assert not database_unreachable(raised.value)
