"""A request that cannot reach PostgreSQL is a 503 to try again, logged with the database's error."""

import logging

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from storefront.database_unavailable import UNAVAILABLE_MESSAGE, database_unreachable
from tests.factories import UserFactory
from tests.outages import NOTHING_LISTENS, database_unreachable_from_this_process


@pytest.mark.django_db(transaction=True)
def test_a_page_without_its_database_asks_to_try_again_and_the_log_says_why(client, caplog):
    with database_unreachable_from_this_process(), caplog.at_level(logging.ERROR):
        response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert UNAVAILABLE_MESSAGE in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()
    assert "Database unavailable, answered 503: GET /:" in caplog.text
    assert f"port {NOTHING_LISTENS} failed: Connection refused" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_api_without_its_database_answers_json_to_try_again(client):
    with database_unreachable_from_this_process():
        response = client.get("/api/v1/articles/")

    assert response.status_code == 503
    assert response.json() == {"detail": UNAVAILABLE_MESSAGE}


@pytest.mark.django_db
def test_a_query_cancelled_by_a_statement_timeout_is_no_outage():
    # A slow query is the shop's fault (a 500 to fix), not the database's absence.
    with pytest.raises(OperationalError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 10")
        cursor.execute("SELECT pg_sleep(1)")

    assert "statement timeout" in str(raised.value)
    assert not database_unreachable(raised.value)


def assert_asks_to_try_again_uncached(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    # Whoever answers it, an answer to a signed-in caller is kept by no cache (private_responses).
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def signed_in_client(client):
    client.force_login(UserFactory(username="shopper-without-database"))
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/", "/accounts/", "/search/?q=linen"])
def test_a_signed_in_shopper_without_the_database_is_asked_to_try_again(signed_in_client, url):
    # Their user is read from the database on the way out (is the answer private?): that read
    # failing too was a 500.
    with database_unreachable_from_this_process():
        response = signed_in_client.get(url)

    assert_asks_to_try_again_uncached(response)
    assert UNAVAILABLE_MESSAGE in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/articles/"])
def test_the_api_with_a_session_without_the_database_answers_json_to_try_again(signed_in_client, url):
    with database_unreachable_from_this_process():
        response = signed_in_client.get(url)

    assert_asks_to_try_again_uncached(response)
    assert response.json() == {"detail": UNAVAILABLE_MESSAGE}


@pytest.mark.django_db(transaction=True)
def test_readiness_probed_with_a_session_cookie_still_answers_its_json(signed_in_client):
    with database_unreachable_from_this_process():
        response = signed_in_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


class AsksTheDatabaseOnTheWayOut:
    """A middleware that reads the database after its view has answered: no process_exception sees
    its failure, which goes to handler500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return response


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("url", "content_type"), [("/healthz", "text/html"), ("/api/v1/no-such-endpoint/", "application/json")]
)
def test_a_middleware_that_loses_the_database_asks_to_try_again_too(settings, caplog, url, content_type):
    # /healthz and an API 404 ask the database nothing: only the middleware fails.
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.AsksTheDatabaseOnTheWayOut"]
    client = Client(raise_request_exception=False)

    with database_unreachable_from_this_process(), caplog.at_level(logging.ERROR):
        response = client.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith(content_type)
    assert UNAVAILABLE_MESSAGE in response.content.decode()
    assert f"Database unavailable, answered 503: GET {url}:" in caplog.text
