"""The admin's login follows `next` only to a path on this site, as the shop's login does: Django's
took a relative one ("welcome": /admin/login/welcome, a 404) and any address on this host, and one
it refused (another site's) sent staff to the shop's account page instead of the admin."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's


@pytest.fixture
def staff():
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


def log_in(client, target: str):
    page = client.get("/admin/login/", {"next": target})
    assert page.status_code == 200
    return client.post("/admin/login/", {"username": "staff", "password": PASSWORD, "next": target})


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        " //evil.example",
        "javascript:alert(1)",
        "welcome",
        "https://testserver/admin/",
        "/admin/login/",
        "/admin/login/?next=/admin/login/",
    ],
)
def test_a_next_that_is_not_a_path_here_leads_to_the_admin_index(client, staff, target):
    response = log_in(client, target)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_path_in_the_admin_is_followed(client, staff):
    response = log_in(client, "/admin/catalog/article/?q=dress")
    assert response.status_code == 302
    assert response["Location"] == "/admin/catalog/article/?q=dress"


def test_the_form_carries_the_admin_index_in_place_of_another_sites_address(client, staff):
    page = client.get("/admin/login/", {"next": "//evil.example/"})
    assert '<input type="hidden" name="next" value="/admin/">' in page.text


def test_a_wrong_password_keeps_the_admin_login_page(client, staff):
    response = client.post("/admin/login/", {"username": "staff", "password": "wrong", "next": "/admin/"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_staff_signed_in_already_are_sent_to_the_admin_index(client, staff):
    client.force_login(staff)
    response = client.get("/admin/login/", {"next": "/admin/catalog/article/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_shopper_signed_in_is_told_their_login_is_not_staffs(client):
    client.force_login(UserFactory(username="alice"))
    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "You are authenticated as alice, but are not authorized" in page.text
    assert '<form action="/admin/login/?next=/admin/" method="post" id="login-form">' in page.text
