"""API tokens end when the password changes (however it is changed) or when their holder revokes them."""

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
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


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_a_password_staff_set_in_the_admin_ends_the_customers_tokens(staff_client, alice):
    token = Token.objects.create(user=alice.user).key
    response = staff_client.post(
        f"/admin/auth/user/{alice.user.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content
    alice.user.refresh_from_db()
    assert alice.user.check_password(NEW_PASSWORD)
    staff_client.logout()
    assert me_status(staff_client, token) == 401


def test_staff_turning_password_logins_off_ends_the_customers_tokens(staff_client, alice):
    token = Token.objects.create(user=alice.user).key
    response = staff_client.post(
        f"/admin/auth/user/{alice.user.pk}/password/",
        {"usable_password": "false", "unset-password": "Disable password-based authentication"},
    )
    assert response.status_code == 302, response.content
    alice.user.refresh_from_db()
    assert not alice.user.has_usable_password()
    assert not Token.objects.filter(key=token).exists()


def test_staff_editing_a_login_keeps_its_tokens(staff_client, alice):
    token = Token.objects.create(user=alice.user).key
    response = staff_client.post(
        f"/admin/auth/user/{alice.user.pk}/change/",
        {
            "username": "alice",
            "email": "alice@example.org",
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content
    alice.user.refresh_from_db()
    assert alice.user.email == "alice@example.org"
    assert Token.objects.filter(key=token).exists()


def test_manage_py_changepassword_ends_the_tokens(alice, monkeypatch):
    token = Token.objects.create(user=alice.user).key
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass", lambda prompt: NEW_PASSWORD
    )
    call_command("changepassword", "alice", stdout=None)
    assert not Token.objects.filter(key=token).exists()


def test_a_password_reset_ends_the_tokens(alice):
    # The form Django's PasswordResetConfirmView saves once the emailed link is followed.
    token = Token.objects.create(user=alice.user).key
    form = SetPasswordForm(alice.user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert not Token.objects.filter(key=token).exists()


def test_logging_in_keeps_the_token_when_django_rehashes_the_same_password(client, alice):
    # A hash Django wants to renew (a salt too short for its hasher today): a correct login stores
    # a new hash of the same password, which is no password change.
    alice.user.password = make_password(PASSWORD, salt="short", hasher="md5")
    alice.user.save(update_fields=["password"])
    token = Token.objects.create(user=alice.user).key
    old_hash = alice.user.password

    assert token_for(client, "alice") == token
    alice.user.refresh_from_db()
    assert alice.user.password != old_hash  # the upgrade did happen
    assert me_status(client, token) == 200
