"""A form sent back with errors says so to screen readers: "Error:" in the title, a summary with
role="alert" that links to each field, and on the login page inputs marked invalid that point at
the message."""

import html
import re

import pytest

from tests.factories import CustomerFactory, UserFactory
from tests.test_throttles import new_address

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the factory's


@pytest.fixture
def alice():
    return CustomerFactory(user=UserFactory(username="alice"))


def found(pattern: str, page: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, f"no {pattern!r} in the page"
    return match.group(0)


def title(page: str) -> str:
    return found(r"<title>.*?</title>", page)[len("<title>") : -len("</title>")]


def tag(page: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    return found(rf'<[^>]*\bid="{element_id}"[^>]*>', page)


def summary(page: str) -> str:
    return found(r"<div class=\"error-summary\".*?</ul>", page)


def test_a_failed_login_marks_both_fields_invalid_and_points_them_at_the_message(client, alice):
    page = client.post("/accounts/login/", {"username": "alice", "password": "nope"}).text
    assert title(page).startswith("Error: Log in")
    assert 'role="alert"' in summary(page)
    assert "Please enter a correct username and password" in found(r'<div id="form-errors">.*?</div>', page)
    for field in ("id_username", "id_password"):
        assert 'aria-invalid="true"' in tag(page, field)
        assert 'aria-describedby="form-errors"' in tag(page, field)
    assert "autofocus" not in tag(page, "id_username")  # focus goes to the summary instead
    assert 'value="alice"' in tag(page, "id_username")


def test_an_empty_login_names_each_missing_field(client):
    page = client.post("/accounts/login/", {"username": "", "password": ""}).text
    links = re.findall(r'<a href="#(id_\w+)">', summary(page))
    assert links == ["id_username", "id_password"]
    assert 'aria-describedby="id_username_error"' in tag(page, "id_username")
    assert re.search(r'id="id_username_error">This field is required.<', page)


def test_the_login_page_before_any_try_has_no_error_marks(client):
    page = client.get("/accounts/login/").text
    assert title(page) == "Log in · Storefront"
    assert "error-summary" not in page
    assert "aria-invalid" not in page
    assert "autofocus" in tag(page, "id_username")


def test_sign_up_errors_are_summarised_with_links_to_their_fields(client, alice):
    response = client.post(
        "/accounts/signup/",
        {"username": "alice", "email": alice.user.email, "password1": "short", "password2": "other"},
    )
    page = response.text
    assert title(page).startswith("Error: Create an account")
    listed = html.unescape(summary(page))
    assert set(re.findall(r'<a href="#(id_\w+)">', listed)) == {"id_username", "id_email", "id_password2"}
    assert "A user with that username already exists." in listed
    assert "data-error-summary" in summary(page) and 'tabindex="-1"' in summary(page)


def test_a_wrong_old_password_is_summarised_on_the_password_page(client, alice):
    client.force_login(alice.user)
    page = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "a-long-phrase-1", "new_password2": "a-long-phrase-1"},
    ).text
    assert title(page).startswith("Error: Change your password")
    assert re.findall(r'<a href="#(id_\w+)">', summary(page)) == ["id_old_password"]


def test_a_clean_sign_up_page_has_no_summary(client):
    page = client.get("/accounts/signup/").text
    assert title(page) == "Create an account · Storefront"
    assert "error-summary" not in page


def test_a_wrong_password_on_the_delete_page_is_summarised_and_points_at_its_field(client, alice):
    # The page showed the error beside the field only: nothing was read out, and the title and
    # focus stayed as before the try.
    client.force_login(alice.user)
    page = client.post("/accounts/delete/", {"password": "wrong"}).text
    assert title(page).startswith("Error: Delete your account")
    listed = html.unescape(summary(page))
    assert 'role="alert"' in listed and "data-error-summary" in listed
    assert re.findall(r'<a href="#(id_\w+)">', listed) == ["id_password"]
    assert "That is not your password." in listed
    assert 'aria-describedby="id_password_error"' in tag(page, "id_password")


def test_the_delete_page_before_any_try_has_no_error_marks(client, alice):
    client.force_login(alice.user)
    page = client.get("/accounts/delete/").text
    assert title(page) == "Delete your account · Storefront"
    assert "error-summary" not in page


def test_a_refused_sign_up_is_titled_as_an_error(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"signup": "1/hour"}}
    address = new_address()
    data = {"username": "newbie", "email": "newbie@example.com", "password1": "x", "password2": "y"}
    client.post("/accounts/signup/", data, REMOTE_ADDR=address)
    refused = client.post("/accounts/signup/", data, REMOTE_ADDR=address)
    assert refused.status_code == 429
    assert title(refused.text).startswith("Error: Create an account")
    # site.js starts the keyboard at the message, as at a summary of the form's errors.
    assert 'role="alert" tabindex="-1" data-error-summary><p>Too many sign-ups' in refused.text
