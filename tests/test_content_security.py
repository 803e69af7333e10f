import pytest

from storefront.content_security import HEADER


def directives(response) -> dict[str, list[str]]:
    parts = (part.split() for part in response[HEADER].split(";"))
    return {words[0]: words[1:] for words in parts if words}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/search/?q=top", "/accounts/login/", "/admin/login/", "/api/v1/articles/"]
)
def test_every_response_lets_only_the_shops_own_script_files_run(client, url):
    policy = directives(client.get(url))
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]


def test_the_api_docs_load_their_start_up_script_as_a_file(client):
    page = client.get("/api/docs/")
    assert b"<script>" not in page.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in script.content
