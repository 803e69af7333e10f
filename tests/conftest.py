"""Shared fixtures: every test gets the real PostgreSQL (pytest-django) and the real Redis."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_catalog_cache():
    """Cached catalogue structure and best sellers must not leak from one test's rows to the next."""
    from catalog.services import catalog_cache_clear

    catalog_cache_clear()


@pytest.fixture
def queries_for():
    """`queries_for(client, url)` → the SQL statements a GET of `url` runs (after a 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(client, url):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return [query["sql"] for query in context.captured_queries]

    return run
