"""Failed logins are limited per client address and per username, on every way in."""

import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import login_limits
from storefront.cache_backends import local_counts_clear
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


def new_address():
    """An address of its own (IPv6 documentation range) for each client: counts live in Redis for
    their window, across tests and runs of the suite, and must not mix in. An IPv6 client is
    counted by its /64 network, so each address is in a network of its own."""
    return "2001:db8:" + ":".join(uuid.uuid4().hex[i : i + 4] for i in range(0, 8, 4)) + "::1"


WINDOW = 900
# A test's failures must all fall in one fixed window: a test started in a window's last seconds
# crossed into the next one (the counts start again there) and failed.
LAST_SECONDS = 30


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = WINDOW
    start_well_inside_a_window()


def start_well_inside_a_window():
    if WINDOW - time.time() % WINDOW < LAST_SECONDS:
        wait_for_the_next_window(WINDOW)


def wait_for_the_next_window(seconds):
    """Sleeps into the start of the next fixed window (they count from the epoch)."""
    time.sleep(seconds - time.time() % seconds + 0.01)


@pytest.fixture
def shopper():
    return UserFactory(username=f"shopper-{uuid.uuid4().hex[:12]}")


def client_from_new_address():
    return Client(REMOTE_ADDR=new_address())


def log_in(client, username, password):
    """True when the login page let the user in."""
    client.post(LOGIN, {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_after_the_limit_even_the_right_password_is_refused_with_the_reason(shopper):
    client = client_from_new_address()
    for _ in range(3):
        assert not log_in(client, shopper.username, "wrong")

    response = client.post(LOGIN, {"username": shopper.username, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert "Too many failed attempts to log in" in response.text and "15 minutes" in response.text
    # The username is locked from every address, whatever the case it is typed in.
    assert not log_in(client_from_new_address(), shopper.username.upper(), PASSWORD)
    # Another shopper on the same address is not (3 failures are under the address's limit of 5).
    other = UserFactory(username=f"other-{uuid.uuid4().hex[:12]}")
    assert log_in(client, other.username, PASSWORD)


def test_while_redis_is_down_guesses_are_still_limited_and_others_still_log_in(redis_unreachable, shopper):
    client = client_from_new_address()
    for _ in range(3):
        assert not log_in(client, shopper.username, "wrong")

    response = client.post(LOGIN, {"username": shopper.username, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert "Too many failed attempts to log in" in response.text
    assert not log_in(client_from_new_address(), shopper.username, PASSWORD)
    # Not closed for everyone: a login nobody guessed at gets in, on the same address too.
    other = UserFactory(username=f"other-{uuid.uuid4().hex[:12]}")
    assert log_in(client, other.username, PASSWORD)


def test_one_address_guessing_at_many_usernames_is_stopped():
    client = client_from_new_address()
    for _ in range(5):
        assert not log_in(client, f"nobody-{uuid.uuid4().hex}", "guess")
    victim = UserFactory(username=f"victim-{uuid.uuid4().hex[:12]}")

    assert not log_in(client, victim.username, PASSWORD)
    assert log_in(client_from_new_address(), victim.username, PASSWORD)


def test_an_ipv6_client_changing_address_within_its_network_counts_as_one_address():
    network = new_address().removesuffix("::1")
    for host in range(1, 6):
        assert not log_in(Client(REMOTE_ADDR=f"{network}::{host:x}"), f"nobody-{uuid.uuid4().hex}", "guess")
    victim = UserFactory(username=f"victim-{uuid.uuid4().hex[:12]}")

    assert not log_in(Client(REMOTE_ADDR=f"{network}::ff"), victim.username, PASSWORD)
    assert log_in(client_from_new_address(), victim.username, PASSWORD)


def test_a_successful_login_clears_the_usernames_failures(shopper):
    client = client_from_new_address()
    for _ in range(2):
        assert not log_in(client, shopper.username, "wrong")
    assert log_in(client, shopper.username, PASSWORD)
    client.post("/accounts/logout/")
    for _ in range(2):
        assert not log_in(client, shopper.username, "wrong")
    assert log_in(client, shopper.username, PASSWORD)


def test_the_limit_ends_with_its_window(settings, shopper):
    # Windows are fixed, counted from the epoch: the tries start at a window's start, so that all
    # four fall in it (with 1 s windows and no alignment, a busy machine sometimes spread them
    # over two, and the fourth got in).
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 3
    client = client_from_new_address()
    wait_for_the_next_window(3)
    for _ in range(3):
        assert not log_in(client, shopper.username, "wrong")
    assert not log_in(client, shopper.username, PASSWORD)
    wait_for_the_next_window(3)
    assert log_in(client, shopper.username, PASSWORD)


def test_the_api_token_and_the_admin_login_count_and_refuse_too(shopper):
    client = client_from_new_address()
    for _ in range(3):
        assert client.post(TOKEN, {"username": shopper.username, "password": "wrong"}).status_code == 400

    response = client.post(TOKEN, {"username": shopper.username, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed attempts to log in" in response.json()["detail"]
    get_user_model().objects.filter(pk=shopper.pk).update(is_staff=True)
    admin_login = client.post(
        "/admin/login/", {"username": shopper.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert "_auth_user_id" not in client.session
    # Said as the shop's login says it, not as a wrong password.
    assert "Too many failed attempts to log in" in admin_login.text


def test_attempts_at_once_are_counted_before_any_password_is_checked(shopper, monkeypatch):
    """Ten tries sent together all passed a check-then-count limit; counted first, three do."""
    import contextlib

    from django.contrib.auth.backends import ModelBackend
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from accounts.login_limits import LoginLimitBackend

    request = RequestFactory().post(LOGIN, REMOTE_ADDR=new_address())
    checked = []
    real_check = ModelBackend.authenticate

    def slow_check(self, request, username=None, password=None, **kwargs):
        checked.append(password)
        if len(checked) == 1:  # nine more tries arrive while this one's password is hashed
            for _ in range(9):
                with contextlib.suppress(PermissionDenied):
                    LoginLimitBackend().authenticate(request, username=shopper.username, password="wrong")
        return real_check(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", slow_check)
    with contextlib.suppress(PermissionDenied):
        LoginLimitBackend().authenticate(request, username=shopper.username, password="wrong")

    assert len(checked) == 3  # the limit per username; the other seven were refused unchecked


def test_the_token_endpoint_answers_a_body_that_is_no_object_with_a_400():
    client = client_from_new_address()
    for body in ("[]", '"x"', "3"):
        response = client.post(TOKEN, body, content_type="application/json")
        assert response.status_code == 400, body


def test_sessions_begun_before_the_limit_existed_stay_signed_in(shopper):
    client = client_from_new_address()
    client.force_login(shopper, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/v1/me/").status_code in (200, 404)  # signed in (404: no customer record)
    assert client.get("/accounts/").status_code == 200


def test_once_redis_is_back_every_process_counts_together_again(redis_unreachable, shopper):
    client = client_from_new_address()
    for _ in range(3):
        assert not log_in(client, shopper.username, "wrong")
    assert not log_in(client_from_new_address(), shopper.username, PASSWORD)

    redis_unreachable.back()

    # The outage's counts were this process's own: the shared ones decide again (none yet) ...
    assert log_in(client_from_new_address(), shopper.username, PASSWORD)
    for _ in range(3):
        assert not log_in(client_from_new_address(), shopper.username, "wrong")
    # ... and are kept in Redis, for every process: this one forgetting its own changes nothing.
    local_counts_clear()
    assert not log_in(client_from_new_address(), shopper.username, PASSWORD)


def test_while_redis_is_down_attempts_this_process_cannot_count_are_refused(redis_unreachable, monkeypatch):
    # Its counts of addresses are full (a flood from many IPv6 networks): a new address is refused
    # until one expires, not let in uncounted nor counted in place of one that is guessing.
    monkeypatch.setattr(login_limits._ADDRESS_COUNTS.local, "max_entries", 3)
    guesser, shoppers = client_from_new_address(), [new_address(), new_address()]
    for _ in range(5):
        assert not log_in(guesser, f"nobody-{uuid.uuid4().hex}", "guess")
    someone = UserFactory(username=f"someone-{uuid.uuid4().hex[:12]}")
    for address in shoppers:
        assert log_in(Client(REMOTE_ADDR=address), someone.username, PASSWORD)

    assert not log_in(client_from_new_address(), someone.username, PASSWORD)
    assert not log_in(guesser, someone.username, PASSWORD)
    assert log_in(Client(REMOTE_ADDR=shoppers[0]), someone.username, PASSWORD)


def test_while_redis_is_down_a_flood_of_usernames_locks_nobody_out(redis_unreachable, monkeypatch):
    # Made-up usernames from two addresses (each up to its limit of 5) fill the store of usernames
    # (10 here, 10,000 in production: some 500 IPv6 networks' worth); logins whose username it has
    # no room for are held to their address's limit, not all refused, staff's included.
    monkeypatch.setattr(login_limits._USERNAME_COUNTS.local, "max_entries", 10)
    guessers = [client_from_new_address(), client_from_new_address()]
    for guesser in guessers:
        for _ in range(5):
            assert not log_in(guesser, f"nobody-{uuid.uuid4().hex}", "guess")
    staff = UserFactory(username=f"staff-{uuid.uuid4().hex[:12]}", is_staff=True)

    assert log_in(client_from_new_address(), staff.username, PASSWORD)
    # The guessers stay stopped by their addresses' counts ...
    assert not log_in(guessers[0], staff.username, PASSWORD)
    # ... and a new address guessing at an uncounted username still gets only its address's limit.
    third = client_from_new_address()
    for _ in range(5):
        assert not log_in(third, f"nobody-{uuid.uuid4().hex}", "guess")
    assert not log_in(third, staff.username, PASSWORD)


def test_while_redis_is_down_a_full_store_keeps_a_username_at_its_limit_refused(
    redis_unreachable, monkeypatch
):
    # The store of usernames fills after one is at its limit: that count is kept, not pushed out.
    monkeypatch.setattr(login_limits._USERNAME_COUNTS.local, "max_entries", 4)
    shopper = UserFactory(username=f"shopper-{uuid.uuid4().hex[:12]}")
    for _ in range(3):
        assert not log_in(client_from_new_address(), shopper.username, "wrong")
    flooder = client_from_new_address()
    for _ in range(4):
        assert not log_in(flooder, f"nobody-{uuid.uuid4().hex}", "guess")

    assert not log_in(client_from_new_address(), shopper.username, PASSWORD)


def test_a_login_refused_for_want_of_room_says_so_not_that_the_password_is_wrong(
    redis_unreachable, monkeypatch
):
    # The address store is full (a flood from many IPv6 networks): the right password from a new
    # address is refused; the page, the API and the password checks said it was wrong.
    monkeypatch.setattr(login_limits._ADDRESS_COUNTS.local, "max_entries", 1)
    assert not log_in(client_from_new_address(), f"nobody-{uuid.uuid4().hex}", "guess")
    someone = UserFactory(username=f"someone-{uuid.uuid4().hex[:12]}")

    page = client_from_new_address().post(LOGIN, {"username": someone.username, "password": PASSWORD})
    token = client_from_new_address().post(TOKEN, {"username": someone.username, "password": PASSWORD})

    assert "Too many failed attempts to log in" in page.text
    assert "Please enter a correct username" not in page.text
    assert token.status_code == 429
    assert "Too many failed attempts to log in" in token.json()["detail"]


def test_a_password_check_refused_for_want_of_room_says_so(redis_unreachable, monkeypatch):
    from django import forms as django_forms
    from django.test import RequestFactory

    from accounts.forms import TOO_MANY_FAILURES, check_current_password

    monkeypatch.setattr(login_limits._ADDRESS_COUNTS.local, "max_entries", 1)
    assert not log_in(client_from_new_address(), f"nobody-{uuid.uuid4().hex}", "guess")
    someone = UserFactory(username=f"someone-{uuid.uuid4().hex[:12]}")
    request = RequestFactory().post("/accounts/delete/", REMOTE_ADDR=new_address())

    with pytest.raises(django_forms.ValidationError) as refused:
        check_current_password(request, someone, PASSWORD, wrong="That is not your password.", code="wrong")

    assert refused.value.code == TOO_MANY_FAILURES


def test_a_count_lasts_only_until_its_window_ends(redis_unreachable, settings, shopper):
    # Keyed by its fixed window, a count is never read after that window; kept a whole window from
    # the first failure, it held room in a full store for up to a window more.
    client = client_from_new_address()
    assert not log_in(client, shopper.username, "wrong")
    seconds_left = WINDOW - time.time() % WINDOW

    expiries = [
        expiry - time.monotonic()
        for counts in (login_limits._ADDRESS_COUNTS, login_limits._USERNAME_COUNTS)
        for expiry, _value in counts.local._entries.values()
    ]
    assert len(expiries) == 2
    assert all(expiry <= seconds_left + 1 for expiry in expiries)
