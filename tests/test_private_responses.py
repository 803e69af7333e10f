"""No cache keeps an answer to a signed-in caller (a proxy in front of the shop, or the browser after
they log out of a shared computer); public pages stay cacheable."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import CustomerFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_never_cached(response):
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.fixture
def alice():
    alice = CustomerFactory(user=UserFactory(username="alice"))
    PurchaseFactory(customer=alice)
    return alice


@pytest.mark.parametrize("url", ["/accounts/", "/", "/api/v1/me/", "/api/v1/me/purchases/"])
def test_pages_and_answers_for_a_signed_in_customer_are_never_cached(client, alice, url):
    client.force_login(alice.user)

    assert_never_cached(client.get(url))


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/me/purchases/", "/api/v1/me/recommendations/"])
def test_answers_to_an_api_token_are_never_cached(client, alice, url):
    token = Token.objects.create(user=alice.user)

    assert_never_cached(client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}"))


def test_the_data_download_keeps_its_own_no_store(client, alice):
    client.force_login(alice.user)

    assert client.get("/api/v1/me/data/")["Cache-Control"] == "no-store"


def test_a_logged_out_visitors_pages_stay_cacheable(client):
    assert not client.get("/").has_header("Cache-Control")
    assert not client.get("/api/v1/articles/").has_header("Cache-Control")


# Not the login page: LoginView is never_cache already, private without the shop's middleware.
@pytest.mark.parametrize("url", ["/accounts/signup/", "/shop-the-look/"])
def test_a_logged_out_visitors_page_that_sets_their_csrf_cookie_is_private(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "private" in directives and "public" not in directives

