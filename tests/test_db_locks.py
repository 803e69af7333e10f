"""A web request waits for a database lock only briefly, then says the shop is busy (503); and its
queries are never JIT-compiled."""

import logging
import re
import threading
import time

import psycopg
import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.test import Client

from storefront import db_locks, web_connections
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def other_connection() -> psycopg.Connection:
    parameters = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context")
    }
    return psycopg.connect(**parameters)


def test_a_save_during_an_import_answers_busy_and_changes_nothing(client, settings):
    settings.WEB_LOCK_TIMEOUT_SECONDS = 0.5
    article = ArticleFactory(prod_name="Strap top")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = client.get(f"/admin/catalog/article/{article.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["prod_name"] = "Renamed"
    web_connections.configure(connection=connection)  # as on the web server's connections
    with other_connection() as importer:
        # What an import holds for its whole load: the articles, against writers.
        importer.execute("LOCK TABLE catalog_article IN SHARE ROW EXCLUSIVE MODE")
        response = client.post(f"/admin/catalog/article/{article.pk}/change/", data)
    assert response.status_code == 503, response.content[:500]
    assert int(response["Retry-After"]) > 0
    assert "an import is running" in response.text and "Nothing was changed" in response.text
    article.refresh_from_db()
    assert article.prod_name == "Strap top"


def test_the_api_answers_busy_in_json(client, settings):
    settings.WEB_LOCK_TIMEOUT_SECONDS = 0.5
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    web_connections.configure(connection=connection)
    with other_connection() as holder:
        holder.execute("LOCK TABLE recommendations_trainingrun IN SHARE ROW EXCLUSIVE MODE")
        response = client.post(
            "/api/v1/training-runs/", {"kind": "trending"}, content_type="application/json"
        )
    assert response.status_code == 503
    assert response.json()["detail"] == db_locks.BUSY_MESSAGE


def connection_settings(*names: str) -> list[str]:
    """The values of these PostgreSQL settings on a newly opened connection."""
    fresh = connections.create_connection("default")
    fresh.ensure_connection()
    try:
        with fresh.cursor() as cursor:
            return [_show(cursor, name) for name in names]
    finally:
        fresh.close()


def _show(cursor, name: str) -> str:
    cursor.execute(f"SHOW {name}")
    return cursor.fetchone()[0]


@pytest.mark.parametrize("entry_point", ["storefront.wsgi", "storefront.asgi"])
def test_the_web_server_limits_lock_waits_and_queries_and_turns_jit_off_on_its_connections_only(entry_point):
    # A management command, a worker: waits as long as it must, and compiles its long queries.
    assert connection_settings("lock_timeout", "statement_timeout", "jit") == ["0", "0", "on"]

    import importlib

    module = importlib.import_module(entry_point)
    importlib.reload(module)  # runs it as gunicorn (or an ASGI server) does, even if imported before
    try:
        assert connection_settings("lock_timeout", "statement_timeout", "jit") == ["5s", "30s", "off"]
    finally:
        connection_created.disconnect(dispatch_uid=web_connections.DISPATCH_UID)
    assert connection_settings("lock_timeout", "statement_timeout", "jit") == ["0", "0", "on"]


@pytest.fixture
def web_connection(transactional_db, settings):
    """This test's connection as a web server's, with a statement timeout short enough to reach."""
    settings.WEB_STATEMENT_TIMEOUT_SECONDS = 0.3
    settings.WEB_LOCK_TIMEOUT_SECONDS = 3  # longer: the query is the one that runs away here
    web_connections.configure(connection=connection)
    yield
    # The test database's clean-up (a TRUNCATE of every table) must not be held to 0.3 s.
    connection.close()


@pytest.mark.usefixtures("web_connection")
def test_a_query_past_the_statement_timeout_answers_the_500_page_and_logs_one_line(client, caplog, settings):
    with other_connection() as holder, caplog.at_level(logging.ERROR):
        # Any query that runs too long; one that waits behind a held table is one we can make.
        holder.execute("LOCK TABLE catalog_article IN ACCESS EXCLUSIVE MODE")
        response = client.get("/")
    assert response.status_code == 500  # not the lock timeout's 503: the statement timeout came first
    assert "Something went wrong" in response.text
    # One line that names the timeout (beside Django's "Internal Server Error: /" of every 500),
    # no traceback through the middleware that says less.
    assert [record.exc_info for record in caplog.records] == [None, None], caplog.text
    assert "Query cancelled after WEB_STATEMENT_TIMEOUT_SECONDS (0.3 s), answered 500: GET /" in caplog.text
    assert "statement timeout" in caplog.text
    # Where in the shop's code the query was sent from: the method and path say only which page.
    sent_at = re.search(r"\(query sent at ([^)]+)\)", caplog.text)
    assert sent_at, caplog.text
    file, line = sent_at[1].rsplit(":", 1)
    assert (settings.BASE_DIR / file).is_file() and not file.startswith(("tests", ".venv")), file
    assert int(line) > 0


def test_a_query_a_dba_cancels_is_not_called_the_statement_timeout(settings, caplog):
    client = Client(raise_request_exception=False)  # Django's own 500, as a server answers
    settings.WEB_STATEMENT_TIMEOUT_SECONDS = 10  # the cancel comes first
    web_connections.configure(connection=connection)
    with other_connection() as holder, other_connection() as dba, caplog.at_level(logging.ERROR):
        holder.execute("LOCK TABLE catalog_article IN ACCESS EXCLUSIVE MODE")

        def cancel_the_waiting_query():
            for _ in range(100):
                time.sleep(0.05)
                cancelled = dba.execute(
                    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                ).fetchall()
                if cancelled:
                    return

        canceller = threading.Thread(target=cancel_the_waiting_query)
        canceller.start()
        try:
            response = client.get("/")
        finally:
            canceller.join()
            connection.close()
    assert response.status_code == 500
    assert "WEB_STATEMENT_TIMEOUT_SECONDS" not in caplog.text, caplog.text
    assert "canceling statement due to user request" in caplog.text


@pytest.mark.usefixtures("web_connection")
def test_the_api_answers_a_query_past_the_statement_timeout_with_its_json_500(client):
    with other_connection() as holder:
        holder.execute("LOCK TABLE catalog_article IN ACCESS EXCLUSIVE MODE")
        response = client.get("/api/v1/articles/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Something went wrong on our side. Please try again later."}

