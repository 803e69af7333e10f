import datetime as dt
import html
import re
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Customer
from tests.factories import ArticleFactory, CustomerFactory, PurchaseFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def alice():
    """A shopper with a login and a customer record."""
    user = UserFactory(username="alice")
    return CustomerFactory(user=user)


def test_signing_up_creates_a_login_and_a_new_customer(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "bob",
            "email": "Bob@Example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    customer = Customer.objects.get(user__username="bob")
    assert re.fullmatch(r"[0-9a-f]{64}", customer.customer_id)
    assert customer.user.email == "bob@example.com"
    # Logged in straight away.
    assert client.get("/accounts/").context["customer"] == customer


def test_signing_up_from_a_page_goes_back_to_it(client):
    """"Sign up" on a product page, or "Create an account" on the way to log in, left the shopper
    on the account page, far from the product they came for; "Log in" takes them back."""
    product = "/p/strap-top-red-0108775015/?ref=a&b=1"
    assert 'href="/accounts/signup/?next=/search/%3Fq%3Dstrap"' in client.get("/search/?q=strap").text
    form = client.get("/accounts/signup/", {"next": product})
    assert f'<input type="hidden" name="next" value="{html.escape(product)}">' in form.text
    # Each form links to the other one with the page to go back to.
    assert f'href="/accounts/login/?next={quote(product)}"' in form.text
    login = client.get("/accounts/login/", {"next": product})
    assert f'href="/accounts/signup/?next={quote(product)}"' in login.text
    passwords = {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    response = client.post(
        "/accounts/signup/", {"username": "bob", "email": "bob@example.com", "next": product, **passwords}
    )
    assert response["Location"] == product
    # Never to another site.
    client.logout()
    response = client.post(
        "/accounts/signup/",
        {"username": "eve", "email": "eve@example.com", "next": "https://evil.example/", **passwords},
    )
    assert response["Location"] == "/accounts/"


def test_signing_up_with_a_plain_word_next_lands_on_the_account_page(client):
    """redirect() took `next=welcome` for a URL name and answered 500 once the account was made
    and logged in (a retry then said the username was taken)."""
    passwords = {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    response = client.post(
        "/accounts/signup/", {"username": "bob", "email": "bob@example.com", "next": "welcome", **passwords}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    # Signed in, the sign-up page sends them on the same way.
    response = client.get("/accounts/signup/", {"next": "welcome"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"


def test_logging_in_and_out_with_a_plain_word_next_lands_on_their_own_pages(client, alice):
    """Django's views followed `next=welcome` from their own page, to a 404."""
    alice.user.set_password(PASSWORD)
    alice.user.save(update_fields=["password"])
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "welcome"})
    assert response["Location"] == "/accounts/"
    assert client.get("/accounts/login/", {"next": "welcome"})["Location"] == "/accounts/"
    assert client.post("/accounts/logout/", {"next": "welcome"})["Location"] == "/"


def test_a_signed_in_shopper_sent_to_the_login_page_back_to_itself_lands_on_the_account(client, alice):
    """Logged in in another tab, then reloading the login page reached from its own header link:
    Django refused the redirect loop with a 500."""
    client.force_login(alice.user)
    response = client.get("/accounts/login/", {"next": "/accounts/login/"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/")


def test_sign_up_explains_what_is_wrong_and_creates_nothing(client, alice):
    response = client.post(
        "/accounts/signup/",
        {"username": "alice", "email": alice.user.email, "password1": "short", "password2": "other"},
    )
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "A user with that username already exists." in page
    assert "An account with this email address exists already" in page
    assert "The two password fields didn" in page
    assert get_user_model().objects.count() == 1


def test_logging_in_and_out(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/c/ladieswear/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/c/ladieswear/"
    assert client.get("/accounts/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/")["Location"] == "/accounts/login/?next=/accounts/"


def test_a_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_changing_the_password(client, alice):
    client.force_login(alice.user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-phrase",
            "new_password2": "another-long-phrase",
        },
    )
    assert response["Location"] == "/accounts/password/done/"
    alice.user.refresh_from_db()
    assert alice.user.check_password("another-long-phrase")
    # Still logged in on this device.
    assert client.get("/accounts/password/done/").status_code == 200


def test_the_account_page_groups_purchase_history_by_date_with_images(client, alice):
    top = ArticleFactory(
        prod_name="Strap top", image="images/010/0108775000.jpg", image_width=1166, image_height=1750
    )
    skirt = ArticleFactory(prod_name="Denim skirt")
    PurchaseFactory(customer=alice, article=top, t_dat=dt.date(2020, 9, 1))
    PurchaseFactory(customer=alice, article=skirt, t_dat=dt.date(2020, 9, 1))
    PurchaseFactory(customer=alice, article=top, t_dat=dt.date(2020, 9, 14))
    PurchaseFactory(article=ArticleFactory(prod_name="Someone else's coat"))
    client.force_login(alice.user)
    page = client.get("/accounts/").text
    assert "Club status: Active" in page  # H&M writes ACTIVE
    # The shelves above show other shoppers' best sellers; the history is its own section.
    page = page[page.index('id="history-heading"') :]
    days = re.findall(r'<time datetime="([\d-]+)">', page)
    assert days == ["2020-09-14", "2020-09-01"]
    # Each photo sits in the link that names its article: alt="" keeps the name from being read twice.
    links = re.findall(r'<a class="card-link"[^>]*>(.*?)</a>', page, re.DOTALL)
    assert len(links) == 3
    for link in links:
        assert re.search(r'<img [^>]*alt=""', link)
    names = sorted(" ".join(re.sub(r"<[^>]+>", " ", link).split()) for link in links)
    assert names == ["Denim skirt", "Strap top", "Strap top"]
    assert "Denim skirt" in page
    assert "coat" not in page


def test_the_account_page_has_shelves_for_the_customer(client, alice):
    PurchaseFactory(customer=alice, t_dat=dt.date(2020, 9, 14))
    client.force_login(alice.user)
    page = client.get("/accounts/").text
    assert 'data-slot="for-you"' in page


def test_a_login_without_a_customer_record_has_no_history(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/accounts/")
    assert response.status_code == 200
    assert "not linked to a customer record" in response.text


def test_the_account_page_runs_a_fixed_number_of_queries(client, alice, queries_for):
    PurchaseFactory(customer=alice)
    client.force_login(alice.user)
    client.get("/accounts/")  # warms the cached category tree and best sellers
    few = queries_for(client, "/accounts/")
    PurchaseFactory.create_batch(30, customer=alice)
    assert len(queries_for(client, "/accounts/")) == len(few)


def test_the_sign_up_fields_say_what_browsers_may_fill_in(client):
    page = client.get("/accounts/signup/").content.decode()
    assert re.search(r'<input type="email" name="email" autocomplete="email"', page)
