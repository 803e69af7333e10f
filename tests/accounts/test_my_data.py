"""Self-service for customers: download everything held about them, delete their account."""

import datetime as dt
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from jsonschema import Draft202012Validator
from rest_framework.authtoken.models import Token

from accounts.models import Customer, ErasedCustomer, Purchase
from tests.accounts.test_login_limits import WINDOW, start_well_inside_a_window
from tests.api_contract import openapi_schema
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory
from tests.test_throttles import new_address

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
User = get_user_model()


@pytest.fixture
def alice():
    customer = CustomerFactory(
        user=UserFactory(username="alice"), age=31, postal_code="alice-postcode", fn=1.0, active=1.0
    )
    PurchaseFactory(
        customer=customer,
        article=ArticleFactory(article_id=953450001, prod_name="Strap top"),
        t_dat=dt.date(2020, 9, 1),
        price=0.0169,
        sales_channel_id=2,
    )
    PurchaseFactory(customer=customer, t_dat=dt.date(2020, 9, 3))
    return customer


@pytest.fixture
def bob():
    customer = CustomerFactory(user=UserFactory(username="bob"), postal_code="bob-postcode")
    PurchaseFactory(customer=customer, article=ArticleFactory(prod_name="Bob coat"))
    return customer


def expected_data(customer):
    user = customer.user
    return {
        "login": {
            "username": user.username,
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
        },
        "customer": {
            "customer_id": customer.customer_id,
            "fn": 1.0,
            "active": 1.0,
            "club_member_status": "ACTIVE",
            "fashion_news_frequency": "NONE",
            "age": 31,
            "postal_code": "alice-postcode",
        },
        "purchases": [  # the first; the second is another article
            {
                "date": "2020-09-01",
                "article_id": "0953450001",
                "name": "Strap top",
                "price": 0.0169,
                "display_price": "€16.90",
                "sales_channel_id": 2,
            },
        ],
    }


def test_the_account_page_offers_the_download_and_the_deletion(client, alice):
    client.force_login(alice.user)
    page = client.get("/accounts/").text
    assert 'href="/accounts/data/" download>Download my data</a>' in page
    assert 'href="/accounts/delete/">Delete my account</a>' in page


def test_the_download_is_a_json_file_of_the_customers_own_data(client, alice, bob):
    client.force_login(alice.user)
    response = client.get("/accounts/data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    expected = expected_data(alice)
    assert data["login"] == expected["login"]
    assert data["customer"] == expected["customer"]
    assert data["purchases"][0] == expected["purchases"][0]
    assert [purchase["date"] for purchase in data["purchases"]] == ["2020-09-01", "2020-09-03"]
    assert set(data["purchases"][1]) == set(expected["purchases"][0])
    assert "bob" not in response.content.decode()
    assert "Bob coat" not in response.content.decode()


def test_the_api_gives_the_same_data_and_only_the_callers(client, alice, bob):
    client.force_login(alice.user)
    page = json.loads(client.get("/accounts/data/").content)
    client.logout()
    token = Token.objects.create(user=alice.user)
    response = client.get("/api/v1/me/data/?user=bob", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json() == page


def test_a_login_without_a_customer_downloads_its_login_only(client):
    client.force_login(UserFactory(username="staff", is_staff=True))
    data = json.loads(client.get("/accounts/data/").content)
    assert data["login"]["username"] == "staff"
    assert (data["customer"], data["purchases"]) == (None, [])


def test_the_download_and_the_deletion_need_a_login(client):
    for url in ("/accounts/data/", "/accounts/delete/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/me/data/").status_code == 401
    deleted = client.delete("/api/v1/me/", {"password": PASSWORD}, content_type="application/json")
    assert deleted.status_code == 401


def test_deleting_the_account_asks_for_the_password(client, alice):
    client.force_login(alice.user)
    form = client.get("/accounts/delete/")
    assert form.status_code == 200
    assert 'type="password"' in form.text
    assert 'class="form-page"' in form.text  # the narrow, phone-friendly form layout
    wrong = client.post("/accounts/delete/", {"password": "wrong"}, REMOTE_ADDR=new_address())
    assert wrong.status_code == 200
    assert "That is not your password." in wrong.text
    empty = client.post("/accounts/delete/", {"password": ""}, REMOTE_ADDR=new_address())
    assert "This field is required." in empty.text
    assert Customer.objects.filter(pk=alice.pk).exists()
    assert client.get("/accounts/").status_code == 200  # still signed in


def test_deleting_the_account_erases_it_signs_out_and_says_so(client, alice, bob):
    client.force_login(alice.user)
    response = client.post(
        "/accounts/delete/", {"password": PASSWORD}, REMOTE_ADDR=new_address(), follow=True
    )
    assert response.redirect_chain == [("/", 302)]
    assert "Your account and everything the shop held about you have been deleted." in response.text
    assert not response.context["user"].is_authenticated
    assert not User.objects.filter(username="alice").exists()
    assert not Customer.objects.filter(pk=alice.pk).exists()
    assert not Purchase.objects.filter(customer_id=alice.pk).exists()
    assert ErasedCustomer.objects.count() == 1
    assert Customer.objects.get() == bob


def test_wrong_passwords_count_towards_the_login_limits(client, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    settings.LOGIN_FAILURE_WINDOW_SECONDS = WINDOW
    start_well_inside_a_window()
    # A username of its own: its count lives in Redis for the window, across tests and runs.
    carol = CustomerFactory(user=UserFactory(username=f"carol-{uuid.uuid4().hex}"))
    client.force_login(carol.user)
    for _ in range(2):
        client.post("/accounts/delete/", {"password": "wrong"}, REMOTE_ADDR=new_address())
    refused = client.post("/accounts/delete/", {"password": PASSWORD}, REMOTE_ADDR=new_address())
    assert "Too many failed attempts" in refused.text
    assert Customer.objects.filter(pk=carol.pk).exists()


def test_the_api_refuses_past_the_login_limits_with_the_reason(client, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    settings.LOGIN_FAILURE_WINDOW_SECONDS = WINDOW
    start_well_inside_a_window()
    dave = CustomerFactory(user=UserFactory(username=f"dave-{uuid.uuid4().hex}"))
    client.force_login(dave.user)

    def delete(password):
        return client.delete(
            "/api/v1/me/", {"password": password}, content_type="application/json", REMOTE_ADDR=new_address()
        )

    assert [delete("wrong").status_code for _ in range(2)] == [403, 403]
    refused = delete(PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.json()["detail"]
    assert Customer.objects.filter(pk=dave.pk).exists()


def test_the_api_deletes_the_account_with_the_password(client, alice, bob):
    token = Token.objects.create(user=alice.user).key
    auth = {"HTTP_AUTHORIZATION": f"Token {token}", "content_type": "application/json"}

    missing = client.delete("/api/v1/me/", {}, REMOTE_ADDR=new_address(), **auth)
    assert missing.status_code == 400
    assert "password" in missing.json()
    wrong = client.delete("/api/v1/me/", {"password": "wrong"}, REMOTE_ADDR=new_address(), **auth)
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "That is not your password."
    assert Customer.objects.filter(pk=alice.pk).exists()

    done = client.delete("/api/v1/me/", {"password": PASSWORD}, REMOTE_ADDR=new_address(), **auth)
    assert done.status_code == 204
    assert not User.objects.filter(username="alice").exists()
    assert not Purchase.objects.filter(customer_id=alice.pk).exists()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert Customer.objects.get() == bob


def test_bobs_password_does_not_delete_alice(client, alice, bob):
    client.force_login(alice.user)
    bob.user.set_password("bobs-own-password")
    bob.user.save(update_fields=["password"])
    response = client.delete(
        "/api/v1/me/",
        {"password": "bobs-own-password"},
        content_type="application/json",
        REMOTE_ADDR=new_address(),
    )
    assert response.status_code == 403
    assert Customer.objects.count() == 2


def test_an_empty_password_is_a_400_that_the_schema_foresees(client, alice):
    # The schema said any string; DRF refuses an empty one (schemathesis: schema-valid data refused).
    schema = openapi_schema()
    body = schema["paths"]["/api/v1/me/"]["delete"]["requestBody"]["content"]["application/json"]["schema"]
    password = schema["components"]["schemas"][body["$ref"].split("/")[-1]]["properties"]["password"]
    assert not Draft202012Validator(password).is_valid("")
    token = Token.objects.create(user=alice.user).key
    empty = client.delete(
        "/api/v1/me/",
        {"password": ""},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
        REMOTE_ADDR=new_address(),
    )
    assert empty.status_code == 400 and "password" in empty.json()
