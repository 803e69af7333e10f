"""Every GET endpoint of the OpenAPI schema, called as each persona, answers what the schema
promises: a documented status, and a body that validates against its documented component,
errors included. Who gets what is spelt out here too (a customer never reads another's data).

The shop: the collaborative tests' planted shop (60 customers, 40 articles) with its model trained
and served, the content tests' photo catalogue with its model trained and served, and a finished
training run with its published version.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from accounts.models import Customer, Purchase
from catalog.models import format_article_id
from catalog.services import article_refresh_search_vectors
from recommendations.models import ModelVersion, TrainingRun
from tests.api_contract import openapi_schema, response_errors
from tests.factories import UserFactory
from tests.recommendations.collaborative.conftest import planted_shop, trained_model  # noqa: F401
from tests.recommendations.content.conftest import trained, trained_content  # noqa: F401
from tests.recommendations.hostile_files import SVG_NAMED_JPG, encoded, jpeg_photo
from tests.recommendations.photos import garment_photo

SHOPPER_PK, OTHER_CUSTOMER_PK = 3, 4
ARTICLE_ID = "0000001002"
ANONYMOUS, CUSTOMER, STAFF_WITHOUT_PERMISSIONS, STAFF = (
    "anonymous",
    "customer",
    "staff without permissions",
    "staff",
)
PERSONAS = [ANONYMOUS, CUSTOMER, STAFF_WITHOUT_PERMISSIONS, STAFF]
PUBLIC = dict.fromkeys(PERSONAS, 200)
OWN_DATA = {ANONYMOUS: 401, CUSTOMER: 200, STAFF_WITHOUT_PERMISSIONS: 200, STAFF: 200}
STAFF_ONLY = {ANONYMOUS: 401, CUSTOMER: 403, STAFF_WITHOUT_PERMISSIONS: 403, STAFF: 200}

# Every GET path of the schema → who gets a 200 (the rest: the status they get instead).
EXPECTED_STATUS = {
    "/api/v1/": PUBLIC,
    "/api/v1/articles/": PUBLIC,
    "/api/v1/articles/{article_id}/": PUBLIC,
    "/api/v1/articles/{article_id}/also-bought/": PUBLIC,
    "/api/v1/articles/{article_id}/similar/": PUBLIC,
    "/api/v1/search/": PUBLIC,
    "/api/v1/me/": OWN_DATA,
    "/api/v1/me/data/": OWN_DATA,
    "/api/v1/me/purchases/": OWN_DATA,
    "/api/v1/me/recommendations/": OWN_DATA,
    "/api/v1/customers/{customer_id}/recommendations/": STAFF_ONLY,
    "/api/v1/training-runs/": STAFF_ONLY,
    "/api/v1/training-runs/{id}/": STAFF_ONLY,
    "/api/v1/model-versions/": STAFF_ONLY,
    "/api/v1/model-versions/serving/": STAFF_ONLY,
}
REQUIRED_QUERY = {
    "/api/v1/search/": {"q": "top"},
    "/api/v1/model-versions/serving/": {"kind": "trending"},
}
# With words to rank by, so that every documented ordering applies (`relevance` needs `q`).
SEARCHED = {**REQUIRED_QUERY, "/api/v1/articles/": {"q": "top"}}


@pytest.fixture(scope="module")
def schema():
    return openapi_schema()


@pytest.fixture
def shop(trained_model, trained):  # noqa: F811  (the fixtures imported above)
    """The shops, their models served, one finished run with its version; path parameters."""
    photographed = trained[0][0]
    article_refresh_search_vectors()  # as the importer does, so that searches find the articles
    run = TrainingRun.objects.create(
        kind="collaborative",
        status=TrainingRun.Status.SUCCEEDED,
        progress=100.0,
        metrics={"map12_blend": 0.05},
        parameters={"factors": 4},
    )
    ModelVersion.objects.create(
        kind="collaborative", version=1, path="collaborative/1", format_version=1, run=run, is_active=True
    )
    other = Customer.objects.get(pk=OTHER_CUSTOMER_PK)
    return {
        "article_id": ARTICLE_ID,
        "photographed_article_id": format_article_id(photographed.article_id),
        "customer_id": other.customer_id,
        "id": str(run.pk),
    }


def address(path, shop):
    """The schema's path with its parameters filled: "looks like this" asks an article with a photo."""
    if path.endswith("/similar/"):
        return path.format(**{**shop, "article_id": shop["photographed_article_id"]})
    return path.format(**shop)


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def client_as(persona):
    if persona == CUSTOMER:
        user = UserFactory(username="carla_customer")
        Customer.objects.filter(pk=SHOPPER_PK).update(user=user)
        return client_for(user)
    if persona == STAFF_WITHOUT_PERMISSIONS:
        return client_for(UserFactory(username="cleo_clerk", is_staff=True))
    if persona == STAFF:
        staff = UserFactory(username="olga_ops", is_staff=True)
        staff.user_permissions.add(
            *Permission.objects.filter(content_type__app_label__in=["recommendations", "accounts"])
        )
        return client_for(staff)
    return client_for()


def get_paths(schema):
    return sorted(path for path, operations in schema["paths"].items() if "get" in operations)


def test_the_walk_covers_every_get_endpoint_of_the_schema(schema):
    assert get_paths(schema) == sorted(EXPECTED_STATUS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_get_endpoint_answers_as_its_schema_says(schema, shop, persona):
    client = client_as(persona)
    problems = []
    for path in get_paths(schema):
        url = address(path, shop)
        response = client.get(url, REQUIRED_QUERY.get(path, {}))
        expected = EXPECTED_STATUS[path][persona]
        if response.status_code != expected:
            problems.append(f"{url} as {persona}: {response.status_code}, not {expected}")
        if response.status_code == 401 and "Authorization: Token" not in response.json()["detail"]:
            problems.append(f"{url} as {persona}: 401 without how to log in: {response.json()}")
        problems += response_errors(schema, path, "get", response.status_code, response.json())
    assert not problems, "\n".join(problems)


def documented_values(parameter):
    """Values the schema says a query parameter takes: its enum, its bounds, true and false, for
    each of its alternatives (`page`: a number or `last`)."""
    schema = parameter["schema"]
    return [value for choice in schema.get("oneOf", [schema]) for value in values_of(choice)]


def values_of(schema):
    if "enum" in schema:
        return [str(value) for value in schema["enum"]]
    if schema.get("type") == "boolean":
        return ["true", "false"]
    return [str(schema[bound]) for bound in ("minimum", "maximum") if bound in schema]


def test_the_walk_validates_filled_answers_not_empty_ones(shop):
    """Each list the walk checks has items in it, so that their shape is checked too."""
    client = client_as(CUSTOMER)
    lists = {
        "/api/v1/articles/{article_id}/similar/": "results",
        "/api/v1/articles/{article_id}/also-bought/": "items",
        "/api/v1/me/recommendations/": "items",
        "/api/v1/me/purchases/": "results",
        "/api/v1/search/": "results",
        "/api/v1/articles/": "results",
    }
    empty = [
        path
        for path, key in lists.items()
        if not client.get(address(path, shop), REQUIRED_QUERY.get(path, {})).json()[key]
    ]
    assert empty == []


def test_what_a_photo_search_answers_is_what_the_schema_documents(schema, shop, settings):
    def search(image=None, **fields):
        if image is not None:
            fields["image"] = io.BytesIO(image)
            fields["image"].name = "look.jpg"
        return client_for().post("/api/v1/search/image/", fields)

    photo = encoded(garment_photo(8, "Blue", variant=30), "JPEG")
    answers = [
        search(photo),
        search(photo, colour="Ultraviolet"),
        search(),
        search(SVG_NAMED_JPG),
    ]
    settings.MAX_UPLOAD_BYTES = 2000
    answers.append(search(jpeg_photo(size=(600, 600))))
    assert [response.status_code for response in answers] == [200, 400, 400, 415, 413]
    assert answers[0].json()["results"]
    problems = [
        problem
        for response in answers
        for problem in response_errors(
            schema, "/api/v1/search/image/", "post", response.status_code, response.json()
        )
    ]
    assert not problems, "\n".join(problems)


# Maps whose names vary by kind (a run's metrics and parameters): objects on purpose.
FREE_FORM = {("TrainingRun", "metrics"), ("TrainingRun", "parameters"), ("TrainingRunRequest", "parameters")}


def test_every_field_of_the_schema_has_a_type(schema):
    vague = []
    for name, component in schema["components"]["schemas"].items():
        for field_name, field in component.get("properties", {}).items():
            typed = {"type", "$ref", "allOf", "oneOf", "anyOf"} & set(field)
            free_form = field.get("type") == "object" and "properties" not in field
            if not typed or (free_form and (name, field_name) not in FREE_FORM):
                vague.append(f"{name}.{field_name}: {field}")
    assert vague == []


def test_a_photo_to_search_by_is_documented_as_a_file(schema):
    form = schema["paths"]["/api/v1/search/image/"]["post"]["requestBody"]["content"]["multipart/form-data"]
    request = schema["components"]["schemas"][form["schema"]["$ref"].split("/")[-1]]
    assert request["properties"]["image"]["format"] == "binary"


def test_the_schema_gives_the_range_of_every_number_parameter(schema):
    unbounded = [
        f"{path}?{parameter['name']}"
        for path in get_paths(schema)
        for parameter in schema["paths"][path]["get"].get("parameters", [])
        if parameter["in"] == "query"
        and parameter["schema"].get("type") == "integer"
        and (
            "minimum" not in parameter["schema"]
            # Pages have no last number to promise; every other count has a most.
            or (parameter["name"] != "page" and "maximum" not in parameter["schema"])
        )
    ]
    assert unbounded == []


def test_every_value_the_schema_documents_for_a_parameter_is_accepted(schema, shop):
    client = client_as(STAFF)
    problems = []
    for path in get_paths(schema):
        for parameter in schema["paths"][path]["get"].get("parameters", []):
            for value in documented_values(parameter) if parameter["in"] == "query" else []:
                query = {**SEARCHED.get(path, {}), parameter["name"]: value}
                response = client.get(address(path, shop), query)
                if response.status_code != 200:
                    problems.append(f"{path}?{parameter['name']}={value}: {response.status_code}")
                problems += response_errors(schema, path, "get", response.status_code, response.json())
    assert not problems, "\n".join(problems)


def test_a_customer_reads_only_their_own_data(shop):
    client = client_as(CUSTOMER)
    mine = Customer.objects.get(pk=SHOPPER_PK)
    bought = {
        format_article_id(article_id)
        for article_id in Purchase.objects.filter(customer=mine).values_list("article_id", flat=True)
    }
    assert client.get("/api/v1/me/").json()["customer"]["customer_id"] == mine.customer_id
    data = client.get("/api/v1/me/data/").json()
    assert data["customer"]["customer_id"] == mine.customer_id
    assert {purchase["article_id"] for purchase in data["purchases"]} == bought
    listed = client.get("/api/v1/me/purchases/", {"page_size": 100}).json()["results"]
    assert {purchase["article"]["article_id"] for purchase in listed} == bought
    # The planted tastes: customer 3 buys Menswear only, so nothing of customer 4's Ladieswear.
    assert all(article_id.startswith("00000020") for article_id in bought)
    others = client.get(f"/api/v1/customers/{shop['customer_id']}/recommendations/")
    assert others.status_code == 403


@pytest.mark.django_db
def test_what_writes_answer_is_what_the_schema_documents(schema):
    """The bodies of the writes (and their errors) keep the schema too."""
    staff, client = client_as(STAFF), APIClient()
    queued = TrainingRun.objects.create(kind="trending")
    shopper = UserFactory(username="tom_token")
    answers = [
        ("/api/v1/training-runs/", "post", staff.post("/api/v1/training-runs/", {"kind": "trending"})),
        ("/api/v1/training-runs/", "post", staff.post("/api/v1/training-runs/", {"kind": "nope"})),
        (
            "/api/v1/training-runs/{id}/cancel/",
            "post",
            staff.post(f"/api/v1/training-runs/{queued.pk}/cancel/"),
        ),
        (
            "/api/v1/training-runs/{id}/cancel/",
            "post",
            staff.post(f"/api/v1/training-runs/{queued.pk}/cancel/"),
        ),
        ("/api/v1/training-runs/{id}/cancel/", "post", staff.post("/api/v1/training-runs/0/cancel/")),
        (
            "/api/v1/auth/token/",
            "post",
            client.post(
                "/api/v1/auth/token/", {"username": "tom_token", "password": "correct-horse-battery"}
            ),
        ),
        ("/api/v1/auth/token/", "post", client.post("/api/v1/auth/token/", {"username": "tom_token"})),
        ("/api/v1/me/", "delete", client_for(shopper).delete("/api/v1/me/", {}, format="json")),
        (
            "/api/v1/me/",
            "delete",
            client_for(shopper).delete("/api/v1/me/", {"password": "x"}, format="json"),
        ),
    ]
    version = ModelVersion.objects.create(kind="trending", version=7, path="trending/7", format_version=1)
    answers += [
        (
            "/api/v1/model-versions/{id}/activate/",
            "post",
            staff.post(f"/api/v1/model-versions/{version.pk}/activate/"),
        ),
        ("/api/v1/model-versions/{id}/activate/", "post", staff.post("/api/v1/model-versions/0/activate/")),
        ("/api/v1/auth/token/revoke/", "post", client_for(shopper).post("/api/v1/auth/token/revoke/")),
    ]
    statuses = [response.status_code for _, _, response in answers]
    assert statuses == [409, 400, 202, 409, 404, 200, 400, 400, 403, 409, 404, 204]
    # Every write of the schema is here (photo search has its test above), so that a new one is
    # checked against what it documents.
    walked = {(path, method) for path, method, _ in answers} | {("/api/v1/search/image/", "post")}
    assert walked == set(write_operations(schema))
    problems = [
        problem
        for path, method, response in answers
        if response.status_code != 204
        for problem in response_errors(schema, path, method, response.status_code, response.json())
    ]
    assert not problems, "\n".join(problems)


def write_operations(schema):
    """(path, method) of every operation that is not a GET."""
    return sorted(
        (path, method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method != "get"
    )


def write_address(path, run, version):
    """The write's address: a run's id for the training-run paths, a version's for the others."""
    return path.format(id=run.pk if path.startswith("/api/v1/training-runs/") else version.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_write_answers_each_persona_with_a_status_and_body_its_schema_documents(schema, persona):
    """An empty body, the first thing a client tries: refused or not, in the documented shape."""
    run = TrainingRun.objects.create(kind="trending")
    version = ModelVersion.objects.create(kind="trending", version=1, path="trending/1", format_version=1)
    client = client_as(persona)
    problems = []
    for path, method in write_operations(schema):
        response = getattr(client, method)(write_address(path, run, version), {}, format="json")
        body = response.json() if response.content else None
        documented = schema["paths"][path][method]["responses"]
        if str(response.status_code) not in documented:
            problems.append(f"{method.upper()} {path} as {persona}: {response.status_code} {body}")
        elif body is not None:
            problems += response_errors(schema, path, method, response.status_code, body)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_a_write_that_reads_a_body_documents_it_and_the_415_for_one_it_cannot_read(schema):
    """A body its parsers cannot read (text/plain) is refused by DRF with 415 exactly where the
    view reads one, which is where the schema must document the body (a DELETE's too)."""
    run = TrainingRun.objects.create(kind="trending")
    version = ModelVersion.objects.create(kind="trending", version=1, path="trending/1", format_version=1)
    client = client_as(STAFF)
    problems = []
    for path, method in write_operations(schema):
        response = getattr(client, method)(
            write_address(path, run, version), "kind=trending", content_type="text/plain"
        )
        reads_a_body = response.status_code == 415
        documented = "requestBody" in schema["paths"][path][method]
        if reads_a_body != documented:
            problems.append(f"{method.upper()} {path}: {response.status_code}; body documented: {documented}")
        if reads_a_body:
            problems += response_errors(schema, path, method, response.status_code, response.json())
    assert not problems, "\n".join(problems)
