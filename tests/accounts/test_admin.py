"""The customer and purchase admin: what staff can see and do to customers' data."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import Customer
from tests.factories import CustomerFactory, UserFactory

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


def test_a_customers_id_can_be_set_when_adding_but_not_changed(superuser_client):
    alice = CustomerFactory()
    original = alice.customer_id
    form = superuser_client.get(f"/admin/accounts/customer/{alice.pk}/change/")
    assert 'name="customer_id"' not in form.text
    assert original in form.text  # shown, read-only
    response = superuser_client.post(
        f"/admin/accounts/customer/{alice.pk}/change/",
        {"customer_id": "f" * 64, "club_member_status": "PRE-CREATE", "fashion_news_frequency": "NONE"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.customer_id == original
    assert alice.club_member_status == "PRE-CREATE"

    assert 'name="customer_id"' in superuser_client.get("/admin/accounts/customer/add/").text
    added = superuser_client.post(
        "/admin/accounts/customer/add/",
        {"customer_id": "a" * 64, "club_member_status": "ACTIVE", "fashion_news_frequency": "NONE"},
    )
    assert added.status_code == 302
    assert Customer.objects.filter(customer_id="a" * 64).exists()
