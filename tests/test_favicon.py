"""/favicon.ico and the admin's icon: browsers asked for it on every admin page, a 404 logged as a
warning each time."""

import logging

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_sites_icon(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/favicon.ico")
    # Not 301: a client keeps that for good and would go on asking for a hashed name that a new
    # icon's deploy has removed. A day's caching keeps it from asking on every page.
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
    assert cache_directives(response) == {"public", "max-age=86400"}
    assert not caplog.records
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")


def cache_directives(response):
    return {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.parametrize("page", ["/admin/login/", "/admin/", "/admin/accounts/customer/add/"])
def test_admin_pages_name_the_sites_icon(client, page):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    if page == "/admin/login/":
        client.logout()
    response = client.get(page)
    assert response.status_code == 200
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in response.text
