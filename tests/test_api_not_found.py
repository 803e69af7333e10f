import pytest
from django.test import Client


def test_an_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/docs/" in response.json()["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "url", ["/api/v1/no-such-thing/", "/api/v1/model-versions/abc/activate/", "/api/v1/articles/abc/"]
)
def test_a_write_to_an_unknown_api_path_answers_json_404_not_a_csrf_page(method, url):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/docs/" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/no%0Athing/",
        "/api/v1/training-runs/1%0A/cancel/",
        "/api/v1/model-versions/a%0Db%0Ac/activate/",
        "/api/v1/search/%0A",
    ],
)
def test_an_api_address_with_a_line_break_answers_json_404(url):
    # The catch-all route's `.` stopped at the line break: the shop's HTML 404 page answered.
    response = Client().post(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/docs/" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search/?q=%00",
        "/api/v1/articles/?q=dress%00",
        "/api/v1/customers/ab%00cd/recommendations/",
        "/api/v1/training-runs/?kind=%00",
        "/api/v1/articles/?%00=1",
    ],
)
def test_a_nul_character_in_an_api_address_is_a_json_400(admin_client, url):
    # PostgreSQL text cannot hold NUL: such a value reaching a query was a 500.
    response = admin_client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.django_db
def test_a_nul_character_in_a_page_address_is_a_400_page(client):
    response = client.get("/search/?q=dress%00")
    assert response.status_code == 400 and "NUL" in response.content.decode()
    # The shop's page, not plain text (which a phone showed tiny, in a monospaced font).
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>That request could not be read</h1>" in response.content.decode()


@pytest.mark.django_db
def test_a_server_error_on_the_api_answers_json_and_a_page_html(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("catalog.api.ArticleListView.get_queryset", broken)
    monkeypatch.setattr("catalog.views.render", broken)
    client = Client(raise_request_exception=False)

    api = client.get("/api/v1/articles/")
    assert api.status_code == 500 and "Something went wrong" in api.json()["detail"]
    page = client.get("/search/?q=dress")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
