"""The rules every query parameter of the API keeps, checked by walking the schema, so that a new
parameter that breaks one fails here: a page size the schema does not allow is a 400 naming the
limit, never cut to fit; `next` and `previous` ask for the page size that was used."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from recommendations.models import ModelVersion, TrainingRun
from tests.api_contract import openapi_schema
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

ARTICLE_ID = 108775000
REQUIRED_QUERY = {"/api/v1/search/": {"q": "top"}, "/api/v1/model-versions/serving/": {"kind": "trending"}}


@pytest.fixture(scope="module")
def schema():
    return openapi_schema()


@pytest.fixture
def shop():
    """A few articles (one a customer bought), a run with its version; the path parameters."""
    articles = [ArticleFactory(article_id=ARTICLE_ID + offset) for offset in range(5)]
    customer = CustomerFactory()
    PurchaseFactory(customer=customer, article=articles[0])
    run = TrainingRun.objects.create(kind="trending", status=TrainingRun.Status.SUCCEEDED)
    ModelVersion.objects.create(kind="trending", version=1, path="trending/1", format_version=1, run=run)
    staff = StaffUserFactory(username="olga_ops")
    staff.user_permissions.add(Permission.objects.get(codename="view_customer"))
    customer.user = staff
    customer.save(update_fields=["user"])
    client = APIClient()
    client.force_authenticate(staff)
    return client, {"article_id": str(ARTICLE_ID), "customer_id": customer.customer_id, "id": str(run.pk)}


def query_parameters(schema):
    """(path, parameter) for every query parameter of every GET operation."""
    return [
        (path, parameter)
        for path, operations in sorted(schema["paths"].items())
        if "get" in operations
        for parameter in operations["get"].get("parameters", [])
        if parameter["in"] == "query"
    ]


def test_a_page_size_above_the_maximum_is_a_400_that_names_the_limit(schema, shop):
    client, path_parameters = shop
    sizes = [(path, p["schema"]) for path, p in query_parameters(schema) if p["name"] == "page_size"]
    assert sizes, "no list takes a page_size"
    for path, size in sizes:
        maximum = size["maximum"]
        url, query = path.format(**path_parameters), REQUIRED_QUERY.get(path, {})
        response = client.get(url, {**query, "page_size": maximum + 1})
        assert response.status_code == 400, (path, response.json())
        assert f"to {maximum}" in response.json()["page_size"][0], response.json()
        assert client.get(url, {**query, "page_size": maximum}).status_code == 200


def test_next_and_previous_ask_for_the_page_size_that_was_used(shop):
    client, _ = shop
    body = client.get("/api/v1/articles/", {"page_size": " 02", "page": "2"}).json()
    assert len(body["results"]) == 2
    for link in (body["next"], body["previous"]):
        assert parse_qs(urlsplit(link).query)["page_size"] == ["2"], link
    followed = client.get(body["next"]).json()
    assert [item["article_id"] for item in followed["results"]] == ["0108775004"]
    assert parse_qs(urlsplit(followed["previous"]).query) == {"page": ["2"], "page_size": ["2"]}
