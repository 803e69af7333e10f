"""The rules every query parameter of the API keeps, checked by walking the schema, so that a new
parameter that breaks one fails here: an empty value answers as if the parameter were left out; a
value the schema does not allow is a 400 naming the parameter and what it accepts (a page size too:
never cut to fit); a parameter that refuses values lists them in the schema; `next` and `previous`
ask for the page size that was used."""

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
# Their values are the catalogue's own category names and slugs, which change with the data, so the
# schema cannot list them; a 400 lists them instead (tests/catalog/test_api_articles.py).
CATALOGUE_NAMES = {"index_group", "section", "product_group"}
NO_SUCH_VALUE = "no-such-value"


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


def without_links(body):
    """The body without `next` and `previous`, which repeat the request's address."""
    return {key: value for key, value in body.items() if key not in ("next", "previous")}


def test_every_optional_query_parameter_is_documented_as_taking_an_empty_value(schema):
    undocumented = [
        f"{path}?{parameter['name']}"
        for path, parameter in query_parameters(schema)
        if not parameter.get("required") and parameter.get("allowEmptyValue") is not True
    ]
    assert undocumented == []


def test_an_empty_query_parameter_answers_as_if_it_were_left_out(schema, shop):
    client, path_parameters = shop
    differences = []
    for path, parameter in query_parameters(schema):
        url = path.format(**path_parameters)
        base = REQUIRED_QUERY.get(path, {})
        absent = client.get(url, {key: value for key, value in base.items() if key != parameter["name"]})
        empty = client.get(url, {**base, parameter["name"]: ""})
        if (absent.status_code, without_links(absent.json())) != (
            empty.status_code,
            without_links(empty.json()),
        ):
            differences.append(
                f"{path}?{parameter['name']}=: {empty.status_code} {empty.json()}, "
                f"left out: {absent.status_code} {absent.json()}"
            )
    assert differences == [], "\n".join(differences)


def test_a_value_outside_a_parameters_enum_is_a_400_that_names_it_and_lists_the_accepted_values(schema, shop):
    client, path_parameters = shop
    problems = []
    for path, parameter in query_parameters(schema):
        accepted = parameter["schema"].get("enum") or parameter["schema"].get("items", {}).get("enum")
        if not accepted:
            continue
        query = {**REQUIRED_QUERY.get(path, {}), parameter["name"]: NO_SUCH_VALUE}
        response = client.get(path.format(**path_parameters), query)
        messages = " ".join(response.json().get(parameter["name"], [])) if response.status_code == 400 else ""
        if not messages or not all(str(value) in messages for value in accepted):
            problems.append(
                f"{path}?{parameter['name']}={NO_SUCH_VALUE}: {response.status_code} {response.json()}"
            )
    assert problems == [], "\n".join(problems)


def test_a_text_parameter_that_refuses_values_lists_the_ones_it_accepts_in_the_schema(schema, shop):
    """A parameter typed as any string takes any string; one that refuses some has an `enum`, so that
    a generated client offers the accepted values (the catalogue's names excepted, see above)."""
    client, path_parameters = shop
    refused = []
    for path, parameter in query_parameters(schema):
        typed = parameter["schema"]
        if typed.get("type") != "string" or "enum" in typed or parameter["name"] in CATALOGUE_NAMES:
            continue
        query = {**REQUIRED_QUERY.get(path, {}), parameter["name"]: NO_SUCH_VALUE}
        response = client.get(path.format(**path_parameters), query)
        if response.status_code == 400:
            refused.append(f"{path}?{parameter['name']}: {response.json()}")
    assert refused == []


def test_a_page_size_above_the_maximum_is_a_400_that_names_the_limit(schema, shop):
    client, path_parameters = shop
    sizes = [(path, p["schema"]) for path, p in query_parameters(schema) if p["name"] == "page_size"]
    assert sizes, "no list takes a page_size"
    for path, size in sizes:
        maximum = size["maximum"]
        url, query = path.format(**path_parameters), REQUIRED_QUERY.get(path, {})
        response = client.get(url, {**query, "page_size": maximum + 1})
        assert response.status_code == 400, (path, response.json())
        assert f"between 1 and {maximum}, not {maximum + 1}" in response.json()["page_size"][0]
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


def test_a_parameter_an_endpoint_cannot_answer_without_is_documented_as_required(schema, shop):
    client, path_parameters = shop
    undocumented = []
    for path, operations in sorted(schema["paths"].items()):
        if "get" not in operations:
            continue
        response = client.get(path.format(**path_parameters))
        if response.status_code != 400:
            continue
        required = {p["name"] for p in operations["get"].get("parameters", []) if p.get("required")}
        undocumented += [f"{path}?{name}" for name in response.json() if name not in required]
    assert undocumented == []
