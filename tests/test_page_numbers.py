"""A page number that is not one (`abc`, `1.5`), below 1 or past the end: the shop's HTML lists show
the nearest page that exists (the first, or the last), as a shopper following an old link expects,
never an error; the API answers DRF's 404 naming `page`, as its schema says."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.services import article_refresh_search_vectors
from tests.api_contract import openapi_schema, response_errors
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db

# (page asked for, page shown) with two pages of results.
HTML_PAGES = [
    ("abc", 1),
    ("1.5", 1),
    ("", 1),
    ("0", 1),
    ("-1", 1),
    ("2", 2),
    ("999", 2),
    ("99999999999999999999999999", 2),
]


@pytest.fixture
def two_pages_of_everything():
    """Two pages of search results (24 a page) and of a customer's purchase history (48 a page)."""
    articles = ArticleFactory.create_batch(30, prod_name="Strap top")
    article_refresh_search_vectors()
    customer = CustomerFactory(user=UserFactory(username="paula_pages"))
    PurchaseFactory.create_batch(25, customer=customer, article=articles[0])
    PurchaseFactory.create_batch(25, customer=customer, article=articles[1])
    return customer


@pytest.mark.parametrize(("asked", "shown"), HTML_PAGES, ids=[f"page={asked}" for asked, _ in HTML_PAGES])
def test_an_html_list_shows_the_nearest_page_for_one_that_does_not_exist(
    client, two_pages_of_everything, asked, shown
):
    client.force_login(two_pages_of_everything.user)
    for url, query in (("/search/", {"q": "top"}), ("/c/ladieswear/", {}), ("/accounts/", {})):
        response = client.get(url, {**query, "page": asked})
        assert response.status_code == 200, url
        assert response.context["page_obj"].number == shown, url


def test_an_api_list_answers_404_naming_page_for_one_that_does_not_exist(two_pages_of_everything):
    schema = openapi_schema()
    client = APIClient()
    client.force_authenticate(two_pages_of_everything.user)
    lists = {
        path: {"q": "top"} if path == "/api/v1/search/" else {}
        for path, operations in schema["paths"].items()
        if any(p["name"] == "page" for p in operations.get("get", {}).get("parameters", []))
        and "{" not in path
        and not path.startswith(("/api/v1/training-runs/", "/api/v1/model-versions/"))  # staff only
    }
    assert set(lists) == {"/api/v1/articles/", "/api/v1/search/", "/api/v1/me/purchases/"}
    for path, query in lists.items():
        assert client.get(path, {**query, "page": "2", "page_size": "20"}).status_code == 200, path
        for asked in ("abc", "1.5", "0", "999"):
            response = client.get(path, {**query, "page": asked})
            assert response.status_code == 404, (path, asked)
            assert "`page`" in response.json()["detail"], response.json()
            assert response_errors(schema, path, "get", 404, response.json()) == []


def page_schemas(schema):
    """{path: the `page` parameter's schema} for every GET list of the API."""
    return {
        path: parameter["schema"]
        for path, operations in schema["paths"].items()
        for parameter in operations.get("get", {}).get("parameters", [])
        if parameter["name"] == "page"
    }


def test_every_api_list_documents_page_last_and_answers_its_last_page(two_pages_of_everything):
    # DRF reads `?page=last` as the last page; the schema typed `page` as a number only, so a client
    # built from it could not ask for that (schemathesis would flag the answer as undocumented input).
    schema = openapi_schema()
    undocumented = [
        path
        for path, page in page_schemas(schema).items()
        if "last" not in [value for choice in page.get("oneOf", [page]) for value in choice.get("enum", [])]
    ]
    assert undocumented == []
    client = APIClient()
    client.force_authenticate(two_pages_of_everything.user)
    for path, query in (("/api/v1/search/", {"q": "top"}), ("/api/v1/me/purchases/", {})):
        response = client.get(path, {**query, "page": "last", "page_size": "20"})
        assert response.status_code == 200, path
        assert response.json()["next"] is None and response.json()["previous"], path


def test_an_api_list_reads_an_empty_or_blank_page_as_the_first(two_pages_of_everything):
    # Every other parameter reads a blank value as left out (storefront.query_params); `page`
    # answered 404 to `?page=%20`.
    client = APIClient()
    client.force_authenticate(two_pages_of_everything.user)
    first = client.get("/api/v1/me/purchases/").json()
    for asked in ("", " "):
        response = client.get("/api/v1/me/purchases/", {"page": asked})
        assert response.status_code == 200, asked
        assert response.json()["results"] == first["results"]
    assert client.get("/api/v1/me/purchases/", {"page": "last", "page_size": "20"}).json()["previous"]
