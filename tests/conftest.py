"""Shared fixtures: every test gets the real PostgreSQL (pytest-django) and the real Redis."""

import types

import pytest


@pytest.fixture(autouse=True)
def _fresh_catalog_cache():
    """Cached catalogue structure and best sellers must not leak from one test's rows to the next."""
    from catalog.services import catalog_cache_clear

    catalog_cache_clear()


@pytest.fixture
def queries_for(settings):
    """`queries_for(client, url)` → the SQL statements a GET of `url` runs (after a 200).

    Pages look up the active model versions every SERVING_VERSION_CHECK_SECONDS, with a query
    when the cached answer has expired: held still here, so that a test slowed down between its
    warm-up request and the counted one does not count that query (it happened under load).
    """
    from django.db import connection

    settings.SERVING_VERSION_CHECK_SECONDS = 3600
    from django.test.utils import CaptureQueriesContext

    def run(client, url):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return [query["sql"] for query in context.captured_queries]

    return run


@pytest.fixture
def staff_client(client):
    """A client logged in as a superuser, as the shop's staff use the admin."""
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def redis_unreachable(settings):
    """The production cache, pointed at a port where nothing listens (connection refused at once).

    Yields an object whose `back()` points it at the real Redis again. The counts each process keeps while
    Redis is down (CountsThroughOutages) live in module globals: forgotten before and after, so that
    no test starts with another's.
    """
    from storefront.cache_backends import ResilientRedisCache, local_counts_clear
    from tests.outages import REDIS_FAIL_FAST, REDIS_NOWHERE

    reachable = settings.CACHES

    def back():
        settings.CACHES = reachable
        ResilientRedisCache._down_until = 0.0

    def forget_outage():
        ResilientRedisCache._down_until = 0.0  # the next test's cache is reachable
        local_counts_clear()

    forget_outage()
    settings.CACHES = {
        "default": {
            "BACKEND": "storefront.cache_backends.ResilientRedisCache",
            "LOCATION": REDIS_NOWHERE,
            "OPTIONS": REDIS_FAIL_FAST,
        }
    }
    yield types.SimpleNamespace(back=back)
    forget_outage()


@pytest.fixture(scope="session")
def trained_content_files(django_db_setup, django_db_blocker, tmp_path_factory):
    """A content model trained on the photo catalogue, once per session: training it took ten
    seconds and more of each module's set-up. Only the files and the photo vectors are kept; each
    module makes the rows again (`trained_content`, tests/recommendations/content/conftest.py).

    Here, not beside `trained_content`: the modules outside that folder import `trained_content`,
    and a session fixture imported into a module would be one instance per module."""
    from tests.recommendations.content.catalogue import train_on_photo_catalogue

    with django_db_blocker.unblock():
        return train_on_photo_catalogue(tmp_path_factory.mktemp("content-artifact"))
