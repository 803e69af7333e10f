"""API tokens end when the password changes or when their holder revokes them."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import CustomerFactory, UserFactory
from tests.test_throttles import new_address

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "another-long-phrase"


@pytest.fixture
def alice():
    return CustomerFactory(user=UserFactory(username="alice"))


def token_for(client, username, password=PASSWORD):
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=new_address()
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me_status(client, token):
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code


def test_changing_the_password_ends_the_api_token(client, alice):
    old = token_for(client, "alice")
    client.force_login(alice.user)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    client.logout()
    assert me_status(client, old) == 401
    new = token_for(client, "alice", NEW_PASSWORD)
    assert new != old
    assert me_status(client, new) == 200


def test_a_refused_password_change_keeps_the_token(client, alice):
    token = token_for(client, "alice")
    client.force_login(alice.user)
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    client.logout()
    assert me_status(client, token) == 200


def test_revoking_ends_the_callers_token_only(client, alice):
    mine = token_for(client, "alice")
    bobs = Token.objects.create(user=UserFactory(username="bob")).key
    response = client.post("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {mine}")
    assert response.status_code == 204
    assert me_status(client, mine) == 401
    assert me_status(client, bobs) == 200
    assert token_for(client, "alice") != mine


def test_a_browser_session_can_revoke_its_logins_token(client, alice):
    token = token_for(client, "alice")
    client.force_login(alice.user)
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert not Token.objects.filter(key=token).exists()


def test_revoking_needs_a_login(client):
    response = client.post("/api/v1/auth/token/revoke/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
