"""`/readyz` tells a load balancer whether this process can serve pages (storefront/readiness.py)."""

import logging

import pytest
import redis
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.outages import (
    NOTHING_LISTENS,
    cut_off,
    database_port_restored,
    database_unreachable_from_this_process,
)

pytestmark = pytest.mark.django_db

WITHOUT_ITS_DATABASE = {"ready": False, "database": "unavailable", "migrations": "unknown", "redis": "ok"}


def test_it_is_ready_with_its_database_and_redis(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"ready": True, "database": "ok", "migrations": "applied", "redis": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_redis_unreachable_is_reported_but_keeps_it_in_rotation(client, settings, caplog):
    # Pages render without Redis; only starting training runs needs it.
    settings.REDIS_URL = f"redis://127.0.0.1:{NOTHING_LISTENS}/0"

    with caplog.at_level(logging.WARNING, logger="storefront.readiness"):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "database": "ok",
        "migrations": "applied",
        "redis": "unreachable",
    }
    assert "Redis is unreachable" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_database_it_cannot_reach_makes_it_not_ready_and_the_log_says_why(client, caplog):
    logged = caplog.at_level(logging.ERROR, logger="storefront.readiness")
    with logged, database_unreachable_from_this_process():
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == WITHOUT_ITS_DATABASE
    assert "the database is unavailable" in caplog.text
    assert f"port {NOTHING_LISTENS} failed" in caplog.text  # the cause, for the operator
    assert "127.0.0.1" not in response.content.decode()  # ... but not for the world


def test_code_whose_migrations_are_not_applied_is_not_ready_until_they_are(client, monkeypatch, caplog):
    # As the database looks when the new code starts before `migrate` ran: the newest migration of
    # an app unrecorded (the test's transaction puts it back).
    from storefront import readiness

    monkeypatch.setattr(readiness, "_migrations_applied", False, raising=False)  # as a fresh process
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = "
            "(SELECT max(id) FROM django_migrations WHERE app = 'recommendations') RETURNING name"
        )
        (name,) = cursor.fetchone()

    with caplog.at_level(logging.ERROR, logger="storefront.readiness"):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["migrations"] == "1 not applied"
    assert f"recommendations.{name}" in caplog.text and "manage.py migrate" in caplog.text
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('recommendations', %s, now())", [name]
        )
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("probe", ["/healthz", "/readyz"])
def test_probes_over_plain_http_are_not_redirected_to_https(client, settings, probe):
    # A load balancer probes its targets over HTTP, and counts a 301 as a failure.
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(probe).status_code == 200
    assert client.get("/").status_code == 301


@pytest.mark.django_db(transaction=True)
def test_a_database_lost_after_it_answered_is_reported_in_the_probes_json(client, monkeypatch, caplog):
    # It goes away between SELECT 1 and reading which migrations are applied: the busy page (HTML)
    # was the answer, which a probe cannot read.
    from storefront import migration_state, readiness

    def executor_once_the_database_is_gone(database):
        cut_off(database)
        return MigrationExecutor(database)

    monkeypatch.setattr(readiness, "_migrations_applied", False, raising=False)
    monkeypatch.setattr(migration_state, "MigrationExecutor", executor_once_the_database_is_gone)
    with database_port_restored(), caplog.at_level(logging.ERROR, logger="storefront.readiness"):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == WITHOUT_ITS_DATABASE
    assert f"port {NOTHING_LISTENS} failed" in caplog.text


def test_probes_reuse_one_redis_connection(client, monkeypatch):
    # A probe every few seconds per web process opened and closed a connection each time.
    sockets_opened = []
    open_socket = redis.connection.Connection._connect

    def counted(self):
        sockets_opened.append(self)
        return open_socket(self)

    monkeypatch.setattr(redis.connection.Connection, "_connect", counted)

    for _ in range(5):
        assert client.get("/readyz").json()["redis"] == "ok"

    assert len(sockets_opened) <= 1
