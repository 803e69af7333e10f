"""Changing a password asks for the current one, checked as a login is: guesses at it from a session
left open count towards the login limits, on the account page and in the admin alike."""

import uuid

import pytest

from tests.accounts.test_login_limits import (
    PASSWORD,
    WINDOW,
    client_from_new_address,
    log_in,
    start_well_inside_a_window,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-pass-phrase"
LIMIT = 3


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = LIMIT
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = WINDOW
    start_well_inside_a_window()


def change_password(client, url, old_password):
    return client.post(
        url, {"old_password": old_password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


@pytest.mark.parametrize(
    ("url", "is_staff"), [("/accounts/password/", False), ("/admin/password_change/", True)]
)
def test_guessing_the_current_password_is_stopped_by_the_login_limits(url, is_staff):
    user = UserFactory(username=f"victim-{uuid.uuid4().hex[:12]}", is_staff=is_staff)
    session_left_open = client_from_new_address()
    session_left_open.force_login(user)
    for guess in range(LIMIT):
        response = change_password(session_left_open, url, f"guess-{guess}")
        assert response.status_code == 200
        assert "incorrect" in response.text

    response = change_password(session_left_open, url, PASSWORD)

    assert response.status_code == 200
    assert "Too many failed attempts to log in" in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # The guesses counted as failed logins: the login page is locked for the username too.
    assert not log_in(client_from_new_address(), user.username, PASSWORD)


@pytest.mark.parametrize(
    ("url", "done", "is_staff"),
    [
        ("/accounts/password/", "/accounts/password/done/", False),
        ("/admin/password_change/", "/admin/password_change/done/", True),
    ],
)
def test_the_right_current_password_still_changes_it(url, done, is_staff):
    user = UserFactory(username=f"owner-{uuid.uuid4().hex[:12]}", is_staff=is_staff)
    client = client_from_new_address()
    client.force_login(user)
    change_password(client, url, "one-wrong-guess")

    response = change_password(client, url, PASSWORD)

    assert response.status_code == 302 and response["Location"] == done
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_staffs_own_password_is_not_set_on_the_user_page_without_the_current_one():
    """Django's user admin sets a password without asking for the current one: at a staff session
    left open, anyone could set the staff member's own there. Their own is sent to the admin's
    "Change password", which asks for it within the login limits."""
    staff = UserFactory(username=f"root-{uuid.uuid4().hex[:12]}", is_staff=True, is_superuser=True)
    session_left_open = client_from_new_address()
    session_left_open.force_login(staff)
    url = f"/admin/auth/user/{staff.pk}/password/"

    form = session_left_open.get(url)
    response = session_left_open.post(
        url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    assert form.status_code == 302 and form["Location"] == "/admin/password_change/"
    assert response.status_code == 302 and response["Location"] == "/admin/password_change/"


def test_staff_still_set_another_logins_password_on_its_user_page():
    staff = UserFactory(username=f"root-{uuid.uuid4().hex[:12]}", is_staff=True, is_superuser=True)
    colleague = UserFactory(username=f"colleague-{uuid.uuid4().hex[:12]}", is_staff=True)
    client = client_from_new_address()
    client.force_login(staff)

    response = client.post(
        f"/admin/auth/user/{colleague.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password(NEW_PASSWORD)
