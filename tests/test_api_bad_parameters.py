"""Bad query parameters and path parameters answer 400 or 404 with a message naming what was wrong,
in the error shape the schema documents for that status; never a 500."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from recommendations.models import TrainingRun
from tests.api_contract import openapi_schema, response_errors
from tests.factories import ArticleFactory, StaffUserFactory

pytestmark = pytest.mark.django_db
ARTICLE = "/api/v1/articles/{article_id}/"
RUN = "/api/v1/training-runs/{id}/"

# (schema path, address, status, what the message must hold: the parameter's name, for a page
# number in backquotes as messages write names, since DRF's "Invalid page." holds the word too)
CASES = [
    ("/api/v1/me/recommendations/", "/api/v1/me/recommendations/?k=abc", 400, "k"),
    ("/api/v1/me/recommendations/", "/api/v1/me/recommendations/?k=-1", 400, "k"),
    ("/api/v1/me/recommendations/", "/api/v1/me/recommendations/?k=100000", 400, "k"),
    ("/api/v1/articles/{article_id}/also-bought/", "/api/v1/articles/108775000/also-bought/?k=0", 400, "k"),
    ("/api/v1/articles/{article_id}/similar/", "/api/v1/articles/108775000/similar/?limit=x", 400, "limit"),
    ("/api/v1/articles/", "/api/v1/articles/?page=0", 404, "`page`"),
    ("/api/v1/articles/", "/api/v1/articles/?page=abc", 404, "`page`"),
    ("/api/v1/articles/", "/api/v1/articles/?page=99", 404, "`page`"),
    ("/api/v1/articles/", "/api/v1/articles/?page_size=abc", 400, "page_size"),
    ("/api/v1/articles/", "/api/v1/articles/?page_size=101", 400, "page_size"),
    ("/api/v1/me/purchases/", "/api/v1/me/purchases/?page_size=201", 400, "page_size"),
    ("/api/v1/me/purchases/", "/api/v1/me/purchases/?page_size=0", 400, "page_size"),
    ("/api/v1/articles/", "/api/v1/articles/?ordering=nope", 400, "ordering"),
    ("/api/v1/articles/", "/api/v1/articles/?colour=red", 400, "colour"),
    ("/api/v1/articles/", "/api/v1/articles/?index_group=nowhere", 400, "index_group"),
    ("/api/v1/search/", "/api/v1/search/", 400, "q"),
    ("/api/v1/search/", "/api/v1/search/?q=top&exact=maybe", 400, "exact"),
    ("/api/v1/search/", "/api/v1/search/?q=top&ordering=nope", 400, "ordering"),
    ("/api/v1/search/", "/api/v1/search/?q=top&page=abc", 404, "`page`"),
    ("/api/v1/me/purchases/", "/api/v1/me/purchases/?page=0", 404, "`page`"),
    (ARTICLE, "/api/v1/articles/abc/", 404, "article_id 'abc'"),
    (ARTICLE, "/api/v1/articles/99999999999999999999/", 404, "article_id '99999999999999999999'"),
    ("/api/v1/articles/{article_id}/similar/", "/api/v1/articles/12345678901/similar/", 404, "article_id"),
    (ARTICLE, "/api/v1/articles/9999999999/", 404, "9999999999"),
    ("/api/v1/training-runs/", "/api/v1/training-runs/?page=abc", 404, "`page`"),
    ("/api/v1/training-runs/", "/api/v1/training-runs/?status=nope", 400, "status"),
    ("/api/v1/training-runs/", "/api/v1/training-runs/?kind=nope", 400, "kind"),
    ("/api/v1/model-versions/", "/api/v1/model-versions/?kind=nope", 400, "kind"),
    ("/api/v1/model-versions/serving/", "/api/v1/model-versions/serving/", 400, "kind"),
    ("/api/v1/model-versions/serving/", "/api/v1/model-versions/serving/?kind=", 400, "kind"),
    (RUN, "/api/v1/training-runs/abc/", 404, "/api/docs/"),
    (RUN, "/api/v1/training-runs/99999999999999999999/", 404, "training run"),
    (RUN, "/api/v1/training-runs/2147483648/", 404, "training run"),
    ("/api/v1/model-versions/", "/api/v1/model-versions/?page=0", 404, "`page`"),
    ("/api/v1/model-versions/serving/", "/api/v1/model-versions/serving/?kind=nope", 400, "kind"),
    (
        "/api/v1/customers/{customer_id}/recommendations/",
        "/api/v1/customers/nobody/recommendations/",
        404,
        "customer",
    ),
]


@pytest.fixture(scope="module")
def schema():
    return openapi_schema()


@pytest.fixture
def staff_client():
    ArticleFactory(article_id=108775000)
    TrainingRun.objects.create(kind="trending")
    staff = StaffUserFactory(username="olga_ops")
    staff.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = APIClient()
    client.force_authenticate(staff)
    return client


@pytest.mark.parametrize(("path", "url", "status", "named"), CASES, ids=[case[1] for case in CASES])
def test_a_bad_parameter_is_refused_with_its_name_in_the_documented_shape(
    schema, staff_client, path, url, status, named
):
    response = staff_client.get(url)
    assert response.status_code == status, response.content
    body = response.json()
    assert named in json.dumps(body), body
    assert response_errors(schema, path, "get", status, body) == []
    if status == 400:
        # A parameter the view checks is one the schema lists.
        assert named in [parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]]


def test_the_schema_of_q_refuses_exactly_the_blank_searches_the_api_refuses():
    # `q` was documented as any string, so a client built from the schema could send " " and meet
    # a 400 the schema did not foresee (schemathesis read the API as stricter than documented).
    search = openapi_schema()["paths"]["/api/v1/search/"]["get"]
    q = Draft202012Validator(next(p["schema"] for p in search["parameters"] if p["name"] == "q"))
    client = APIClient()
    answers = {
        value: (client.get("/api/v1/search/", {"q": value}).status_code, q.is_valid(value))
        for value in ["", " ", "\u3000", "\x1f\t\x85", "\x1c", "\ufeff", "top", "!!!", " a ", "\u200b"]
    }
    # \x1c and \ufeff: blanks to Python and not to ECMA-262 (whose regexes OpenAPI's are), and the
    # other way round; the pattern spells out Python's, so both dialects read it alike.
    assert "\\S" not in q.schema["pattern"] and "\\s" not in q.schema["pattern"]
    assert answers == {
        "": (400, False),
        " ": (400, False),
        "\u3000": (400, False),
        "\x1f\t\x85": (400, False),
        "\x1c": (400, False),
        "\ufeff": (200, True),
        "top": (200, True),
        "!!!": (200, True),
        " a ": (200, True),
        "\u200b": (200, True),
    }
