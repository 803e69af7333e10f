"""Logging in and out say so: back on the page they came from, or on the home page, shoppers saw
no sign that either had worked but the header's links."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"


def test_a_shopper_who_logs_in_is_told_as_whom(client):
    UserFactory(username="alice", password=PASSWORD)
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/search/"}, follow=True
    )
    assert response.redirect_chain == [("/search/", 302)]
    assert "You are logged in as alice." in response.text


def test_a_shopper_who_logs_out_is_told_so_on_the_home_page(client):
    client.force_login(UserFactory(username="alice"))
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "You have logged out." in response.text
    assert "You have logged out." not in client.get("/").text  # said once


def test_logging_out_when_already_logged_out_claims_nothing(client):
    response = client.post("/accounts/logout/", follow=True)
    assert "You have logged out." not in response.text
