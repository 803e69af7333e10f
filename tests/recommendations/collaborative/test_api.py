import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from accounts.models import Customer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FEED = "/api/v1/me/recommendations/"


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _staff(*, may_view_customers=True):
    user = UserFactory(is_staff=True)
    if may_view_customers:
        user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    return user


def _shopper(pk):
    """A login linked to one of the planted customers."""
    user = UserFactory()
    Customer.objects.filter(pk=pk).update(user=user)
    return user


def test_an_anonymous_caller_is_told_to_log_in():
    response = _client().get(FEED)
    assert response.status_code == 401 and "Log in first" in response.json()["detail"]


def test_a_customer_gets_their_own_feed_with_reasons_and_scores(trained_model):
    response = _client(_shopper(3)).get(FEED, {"k": 5})

    assert response.status_code == 200
    body = response.json()
    assert body["fallback"] is False and body["note"] == ""
    assert len(body["items"]) == 5
    item = body["items"][0]
    assert len(item["article_id"]) == 10 and item["article_id"].startswith("00000020")
    assert item["reason"] and isinstance(item["score"], float)
    assert {"name", "colour", "thumbnail_url", "url", "display_price"} <= set(item)
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_the_feed_is_the_callers_own(trained_model):
    """Two customers of opposite tastes see different feeds from the same URL."""
    menswear = _client(_shopper(3)).get(FEED).json()["items"]
    ladieswear = _client(_shopper(4)).get(FEED).json()["items"]
    assert {item["index_group"] for item in menswear[:5]} == {"Menswear"}
    assert {item["index_group"] for item in ladieswear[:5]} == {"Ladieswear"}


def test_a_login_without_a_customer_record_gets_trending_and_a_note(trained_model):
    body = _client(UserFactory()).get(FEED, {"k": 3}).json()
    assert body["fallback"] is True and "personalise" in body["note"] and len(body["items"]) == 3


@pytest.mark.parametrize(
    ("k", "message"), [("ten", "not a whole number"), ("0", "between 1 and 48"), ("49", "not 49")]
)
def test_a_bad_k_is_refused_with_a_message(trained_model, k, message):
    response = _client(_shopper(3)).get(FEED, {"k": k})
    assert response.status_code == 400 and message in response.json()["k"][0]


def test_staff_can_read_any_customers_feed(trained_model):
    customer = Customer.objects.get(pk=4)
    staff = _staff()

    response = _client(staff).get(f"/api/v1/customers/{customer.customer_id}/recommendations/", {"k": 4})

    assert response.status_code == 200 and len(response.json()["items"]) == 4
    assert response.json()["items"][0]["index_group"] == "Ladieswear"


def test_a_customer_cannot_read_another_customers_feed(trained_model):
    other = Customer.objects.get(pk=4)
    response = _client(_shopper(3)).get(f"/api/v1/customers/{other.customer_id}/recommendations/")
    assert response.status_code == 403
    assert _client().get(f"/api/v1/customers/{other.customer_id}/recommendations/").status_code == 401


def test_staff_without_the_permission_to_view_customers_cannot_read_their_feeds(trained_model):
    customer = Customer.objects.get(pk=4)
    response = _client(_staff(may_view_customers=False)).get(
        f"/api/v1/customers/{customer.customer_id}/recommendations/"
    )
    assert response.status_code == 403 and "accounts.view_customer" in response.json()["detail"]


def test_an_unknown_customer_is_a_404_for_staff(trained_model):
    response = _client(_staff()).get(f"/api/v1/customers/{'f' * 64}/recommendations/")
    assert response.status_code == 404 and "64-character hex" in response.json()["detail"]


def test_also_bought_is_public_and_lists_other_products(trained_model):
    response = _client().get("/api/v1/articles/0000002002/also-bought/", {"k": 3})

    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 3 and all(
        item["reason"] == "Customers who bought this also bought" for item in items
    )
    assert "0000002002" not in [item["article_id"] for item in items]


def test_also_bought_for_an_unknown_article_is_a_404(trained_model):
    response = _client().get("/api/v1/articles/999999999/also-bought/")
    assert response.status_code == 404 and "0999999999" in response.json()["detail"]
