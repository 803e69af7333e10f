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
    ]:
        assert f"  {path}:" in schema


@pytest.mark.django_db
def test_the_schema_and_docs_are_served_without_any_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.text
    assert "cdn" not in docs.text.lower()
