import re
from io import StringIO

import pytest
from django.core.management import call_command


def test_the_openapi_schema_generates_without_warnings():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in [
        "/api/v1/articles/",
        "/api/v1/articles/{article_id}/",
        "/api/v1/me/",
        "/api/v1/me/purchases/",
        "/api/v1/auth/token/revoke/",
        "/api/v1/me/data/",
    ]:
        assert f"  {path}:" in schema


@pytest.mark.django_db
def test_the_schema_and_docs_are_served_without_any_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # Every script, stylesheet and icon is this site's own; no word search over the page, whose
    # random CSRF token spelt "cdn" in about one run in 500.
    resources = re.findall(r'(?:src|href)="([^"]*)"', docs.text)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in resources
    assert all(url.startswith("/") and not url.startswith("//") for url in resources), resources


@pytest.mark.django_db
def test_an_optional_form_field_starts_empty_in_the_docs_try_it_out(client):
    """Swagger UI fills each form field of a "Try it out" with the schema's default, or else with a
    sample of its type: the photo search sent "string" as its department, product type and colour,
    and a photo sent from the docs was a 400 naming filters nobody typed."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    forms = {
        f"{method.upper()} {path}": operation["requestBody"]["content"][media_type]["schema"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for media_type in operation.get("requestBody", {}).get("content", {})
        if media_type in ("multipart/form-data", "application/x-www-form-urlencoded")
    }
    assert "POST /api/v1/search/image/" in forms
    for operation, form in forms.items():
        if "$ref" in form:
            form = schema["components"]["schemas"][form["$ref"].rsplit("/", 1)[-1]]
        for name, field in form["properties"].items():
            # A text field, filled with the word "string" unless the schema gives it a value.
            text = field.get("type") == "string" and "format" not in field
            if text and name not in form.get("required", []):
                assert "default" in field or "enum" in field, f"{operation}: {name}"
