"""Passwords longer than any account's are refused before they are hashed, wherever one is typed:
a 5 MB one took seconds of a web thread's CPU before it was refused, and sign-up stored one; and a
form of megabytes is refused before it is read."""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.contrib.auth.models import User

from accounts.password_lengths import MAX_PASSWORD_LENGTH, PASSWORD_TOO_LONG
from tests.factories import CustomerFactory, UserFactory
from tests.test_throttles import new_address

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's
NEW_PASSWORD = "a-new-pass-phrase"
TOO_LONG = "x" * (MAX_PASSWORD_LENGTH + 1)
FIVE_MB = "x" * (5 * 1024 * 1024)


@contextmanager
def hashes() -> Iterator[mock.MagicMock]:
    """Spies on the configured hasher's encode, which both checking and setting a password call."""
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
        yield encode


@pytest.fixture
def alice():
    return CustomerFactory(user=UserFactory(username="alice")).user


def test_a_login_with_a_password_too_long_is_refused_unhashed(client, alice):
    with hashes() as encode:
        response = client.post("/accounts/login/", {"username": "alice", "password": TOO_LONG})
    assert encode.call_count == 0
    assert response.status_code == 200
    assert PASSWORD_TOO_LONG in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/auth/token/"])
def test_a_form_of_megabytes_is_refused_before_it_is_read(client, alice, path):
    """Django reads a form's fields (photos aside) up to DATA_UPLOAD_MAX_MEMORY_SIZE: it was 11 MB,
    sized after the largest photo, which never counted towards it."""
    with hashes() as encode:
        response = client.post(path, {"username": "alice", "password": FIVE_MB}, REMOTE_ADDR=new_address())
    assert encode.call_count == 0
    assert response.status_code == 400
    assert "form fields (photos aside) are larger than 2.5 MB." in html.unescape(response.text)


def test_a_password_of_the_longest_length_still_logs_in(client):
    longest = "correct horse " * (MAX_PASSWORD_LENGTH // 14) + "x" * (MAX_PASSWORD_LENGTH % 14)
    UserFactory(username="bob", password=longest)
    response = client.post("/accounts/login/", {"username": "bob", "password": longest})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_an_unknown_username_with_a_password_too_long_is_refused_unhashed(client):
    # Django hashes the password of an unknown username too, to keep the timing even.
    with hashes() as encode:
        response = client.post("/accounts/login/", {"username": "nobody", "password": TOO_LONG})
    assert encode.call_count == 0
    assert PASSWORD_TOO_LONG in response.text


def test_the_admin_login_refuses_a_password_too_long_unhashed_and_says_why(client):
    """The admin's form called it a wrong password: the backend's refusal reads as one."""
    UserFactory(username="staff", is_staff=True)
    with hashes() as encode:
        response = client.post("/admin/login/", {"username": "staff", "password": TOO_LONG})
    assert encode.call_count == 0
    assert response.status_code == 200
    assert PASSWORD_TOO_LONG in response.text
    assert "Please enter the correct username and password" not in response.text
    assert "_auth_user_id" not in client.session


def test_the_api_token_login_refuses_a_password_too_long_unhashed(client, alice):
    with hashes() as encode:
        response = client.post(
            "/api/v1/auth/token/", {"username": "alice", "password": TOO_LONG}, REMOTE_ADDR=new_address()
        )
    assert encode.call_count == 0
    assert response.status_code == 400
    assert response.json()["password"] == [PASSWORD_TOO_LONG]


def test_sign_up_refuses_a_password_too_long_and_stores_nothing(client):
    with hashes() as encode:
        response = client.post(
            "/accounts/signup/",
            {"username": "carol", "email": "carol@example.com", "password1": TOO_LONG, "password2": TOO_LONG},
        )
    assert encode.call_count == 0
    assert response.status_code == 200
    assert PASSWORD_TOO_LONG in response.text
    assert not User.objects.filter(username="carol").exists()


def test_a_password_change_refuses_a_new_password_too_long(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": TOO_LONG, "new_password2": TOO_LONG},
    )
    assert response.status_code == 200
    assert PASSWORD_TOO_LONG in response.text
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_password_change_refuses_a_current_password_too_long_unhashed(client, alice):
    client.force_login(alice)
    with hashes() as encode:
        response = client.post(
            "/accounts/password/",
            {"old_password": TOO_LONG, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    assert encode.call_count == 0
    assert PASSWORD_TOO_LONG in response.text


def test_account_deletion_refuses_a_password_too_long_unhashed(client, alice):
    client.force_login(alice)
    with hashes() as encode:
        page = client.post("/accounts/delete/", {"password": TOO_LONG})
        api = client.delete("/api/v1/me/", {"password": TOO_LONG}, content_type="application/json")
    assert encode.call_count == 0
    assert PASSWORD_TOO_LONG in page.text
    assert api.status_code == 400
    assert api.json()["password"] == [PASSWORD_TOO_LONG]
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_api_schema_gives_the_longest_password_and_its_400(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    for path, method in [("/api/v1/auth/token/", "post"), ("/api/v1/me/", "delete")]:
        operation = schema["paths"][path][method]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert components[body]["properties"]["password"]["maxLength"] == MAX_PASSWORD_LENGTH, path
        assert f"longer than {MAX_PASSWORD_LENGTH} characters" in operation["responses"]["400"]["description"]
