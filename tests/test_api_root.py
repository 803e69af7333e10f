"""/api/v1/ lists the API's endpoints, its documentation and its schema: as JSON, and as links in
a browser."""

import pytest

from tests.api_contract import openapi_schema

pytestmark = pytest.mark.django_db


def test_the_root_lists_every_endpoint_of_the_schema_with_its_methods(client):
    response = client.get("/api/v1/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["docs"] == "http://testserver/api/docs/"
    assert body["schema"] == "http://testserver/api/schema/"
    documented = {
        path: sorted(method.upper() for method in operations)
        for path, operations in openapi_schema()["paths"].items()
        if path != "/api/v1/"
    }
    assert {endpoint["path"]: sorted(endpoint["methods"]) for endpoint in body["endpoints"]} == documented
    urls = {endpoint["path"]: endpoint["url"] for endpoint in body["endpoints"]}
    assert urls["/api/v1/articles/"] == "http://testserver/api/v1/articles/"
    assert urls["/api/v1/articles/{article_id}/"] is None
    assert urls["/api/v1/training-runs/{id}/cancel/"] is None


def test_each_address_the_root_gives_answers(client):
    body = client.get("/api/v1/").json()
    readable = [e["url"] for e in body["endpoints"] if e["url"] and "GET" in e["methods"]]
    for url in [body["docs"], body["schema"], *readable]:
        assert client.get(url).status_code in (200, 400, 401), url  # 400: a search without its words


def test_in_a_browser_the_docs_and_the_endpoints_are_links(client):
    response = client.get("/api/v1/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'href="http://testserver/api/docs/"' in page
    assert 'href="http://testserver/api/schema/"' in page
    assert 'href="http://testserver/api/v1/articles/"' in page
