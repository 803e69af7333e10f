import pytest
from rest_framework.authtoken.models import Token

from tests.factories import CustomerFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return CustomerFactory(user=UserFactory(username="alice"), age=31)


@pytest.fixture
def bob():
    return CustomerFactory(user=UserFactory(username="bob"))


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/me/purchases/"])
def test_anonymous_requests_get_401_with_a_way_to_authenticate(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"].startswith("Log in first: send `Authorization: Token <key>`")


def test_me_describes_the_logged_in_customer(client, alice):
    client.force_login(alice.user)
    body = client.get("/api/v1/me/").json()
    assert body["username"] == "alice"
    assert body["customer"] == {
        "customer_id": alice.customer_id,
        "club_member_status": "ACTIVE",
        "fashion_news_frequency": "NONE",
        "age": 31,
    }


def test_a_login_without_a_customer_has_a_null_customer_and_no_purchases(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/api/v1/me/").json()["customer"] is None
    assert client.get("/api/v1/me/purchases/").json()["count"] == 0


def test_purchases_are_only_ever_the_callers_own(client, alice, bob):
    mine = PurchaseFactory(customer=alice)
    PurchaseFactory.create_batch(2, customer=bob)
    client.force_login(alice.user)
    body = client.get("/api/v1/me/purchases/").json()
    assert body["count"] == 1
    assert body["results"][0]["article"]["article_id"] == mine.article.display_id
    # No parameter lets a customer ask for someone else's history.
    for query in [f"customer={bob.pk}", f"customer_id={bob.customer_id}", "user=bob"]:
        assert client.get(f"/api/v1/me/purchases/?{query}").json()["count"] == 1


def test_token_authentication_works_and_a_bad_token_is_401(client, alice):
    PurchaseFactory(customer=alice)
    token = client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "correct-horse-battery"}
    ).json()["token"]
    assert Token.objects.get(key=token).user == alice.user
    response = client.get("/api/v1/me/purchases/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-token").status_code == 401


def test_purchases_newest_first_with_prices_in_a_fixed_number_of_queries(client, alice, queries_for):
    import datetime as dt

    PurchaseFactory(customer=alice, t_dat=dt.date(2020, 9, 1), price=0.02)
    PurchaseFactory(customer=alice, t_dat=dt.date(2020, 9, 3))
    client.force_login(alice.user)
    body = client.get("/api/v1/me/purchases/").json()
    assert [p["date"] for p in body["results"]] == ["2020-09-03", "2020-09-01"]
    assert body["results"][1]["display_price"] == "€20.00"
    few = queries_for(client, "/api/v1/me/purchases/")
    PurchaseFactory.create_batch(20, customer=alice)
    assert len(queries_for(client, "/api/v1/me/purchases/")) == len(few)
