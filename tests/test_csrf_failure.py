"""A form sent with a stale security token: the shop's page says what happened and what to do, and
the API answers in JSON. The usual way there: log in in one tab, then use a form left open in
another (logging in renews the token)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client, RequestFactory

from storefront.csrf_failure import csrf_failure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"


def login_form_token(client: Client) -> str:
    page = client.get("/accounts/login/?next=/accounts/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def test_a_login_form_left_open_in_another_tab_says_to_open_it_again():
    UserFactory(username="alice", password=PASSWORD)
    browser = Client(enforce_csrf_checks=True)
    stale_tab, fresh_tab = login_form_token(browser), login_form_token(browser)
    login = {"username": "alice", "password": PASSWORD, "next": "/accounts/"}
    assert browser.post("/accounts/login/", {**login, "csrfmiddlewaretoken": fresh_tab}).status_code == 302

    response = browser.post(
        "/accounts/login/",
        {**login, "csrfmiddlewaretoken": stale_tab},
        headers={"Referer": "http://testserver/accounts/login/?next=/accounts/"},
    )
    assert response.status_code == 403
    page = response.text
    assert "This form has expired" in page and "Nothing was sent or changed" in page
    assert 'href="/accounts/login/?next=/accounts/"' in page
    assert 'class="site-header"' in page  # the shop around it, not Django's bare page


def test_without_the_cookie_the_page_asks_to_allow_cookies():
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "allow cookies for this site" in response.text
    assert 'href="/"' in response.text  # no Referer: the home page, not the address posted to


def test_a_referer_from_another_site_is_not_linked():
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {}, headers={"Referer": "https://elsewhere.example/phish"}
    )
    assert "elsewhere.example" not in response.text


@pytest.mark.parametrize("path", ["//elsewhere.example/phish", "/\\elsewhere.example/phish"])
def test_a_referer_of_this_shop_whose_path_names_another_site_is_not_linked(path):
    """The path alone, linked as it was, is an address of another site to a browser."""
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {}, headers={"Referer": f"http://testserver{path}"}
    )
    assert "elsewhere.example" not in response.text
    assert 'href="/"' in response.text


def test_the_api_answers_a_failed_check_in_json():
    # Called directly: every /api/ view is a REST framework view (it checks CSRF itself) or, for
    # unknown addresses, a JSON 404 that changes nothing; this answer is for any that is not.
    response = csrf_failure(RequestFactory().post("/api/v1/some-form/", {}), reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert "X-CSRFToken" in json.loads(response.content)["detail"]
