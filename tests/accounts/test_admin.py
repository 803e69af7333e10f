"""The customer and purchase admin: what staff can see and do to customers' data."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_never_shows_api_token_keys(superuser_client):
    token = Token.objects.create(user=UserFactory(username="alice"))
    assert superuser_client.get("/admin/authtoken/tokenproxy/").status_code == 404
    index = superuser_client.get("/admin/")
    assert "/admin/authtoken/" not in index.text
    assert token.key not in index.text
