"""A web request waits for a database lock only briefly, then says the shop is busy (503)."""

import psycopg
import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created

from storefront import db_locks
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
    db_locks.limit_lock_waits(connection=connection)  # as on the web server's connections
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
    db_locks.limit_lock_waits(connection=connection)
    with other_connection() as holder:
        holder.execute("LOCK TABLE recommendations_trainingrun IN SHARE ROW EXCLUSIVE MODE")
        response = client.post(
            "/api/v1/training-runs/", {"kind": "trending"}, content_type="application/json"
        )
    assert response.status_code == 503
    assert response.json()["detail"] == db_locks.BUSY_MESSAGE


def test_the_web_server_limits_lock_waits_on_its_connections_only():
    fresh = connections.create_connection("default")
    fresh.ensure_connection()
    with fresh.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"  # a management command, a worker: waits as long as it must
    fresh.close()

    import importlib

    import storefront.wsgi

    importlib.reload(storefront.wsgi)  # runs it as gunicorn does, even if imported before
    try:
        served = connections.create_connection("default")
        served.ensure_connection()
        with served.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == "5s"
        served.close()
    finally:
        connection_created.disconnect(dispatch_uid="storefront.db_locks")
