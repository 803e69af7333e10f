"""Searches and sign-ups are rate-limited per client IP, and a client cannot choose its IP by a
header."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from storefront.cache_backends import local_counts_clear
from storefront.throttles import SearchAnonThrottle, SignUpThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH_API = "/api/v1/articles/"
SEARCH_PAGE = "/search/"


def new_address():
    """An address of its own (IPv6 documentation range) for each client: counts live in Redis for
    their window, across tests and runs of the suite, and must not mix in. An IPv6 client is
    counted by its /64 network, so each address is in a network of its own."""
    return "2001:db8:" + ":".join(uuid.uuid4().hex[i : i + 4] for i in range(0, 8, 4)) + "::1"


@pytest.fixture
def two_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"search_user": "2/min", "search_anon": "2/min"},
    }


def searches(url, client, forwarded_for):
    """Statuses of one search per X-Forwarded-For value, all from the client's own address."""
    return [
        client.get(url, {"q": "linen"}, HTTP_X_FORWARDED_FOR=address).status_code for address in forwarded_for
    ]


@pytest.mark.parametrize("url", [SEARCH_API, SEARCH_PAGE])
def test_a_made_up_forwarded_for_header_buys_no_more_searches(two_a_minute, url):
    client = Client(REMOTE_ADDR=new_address())
    assert searches(url, client, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [200, 200, 429]


@pytest.mark.parametrize("url", [SEARCH_API, SEARCH_PAGE])
def test_behind_our_proxy_the_address_it_appended_is_the_client(two_a_minute, settings, url):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = Client(REMOTE_ADDR="10.9.9.9")
    shopper, other_shopper = new_address(), new_address()
    # Whatever a client puts first, our proxy appends the address it saw last.
    assert searches(url, proxy, [f"1.1.1.{n}, {shopper}" for n in range(3)]) == [200, 200, 429]
    assert searches(url, proxy, [other_shopper]) == [200]


@pytest.mark.parametrize("url", [SEARCH_API, SEARCH_PAGE])
def test_behind_a_load_balancer_and_our_proxy_each_shopper_is_counted_apart(two_a_minute, settings, url):
    # The load balancer appends the shopper, nginx on the machine appends the load balancer.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    proxy, balancer = Client(REMOTE_ADDR="127.0.0.1"), "10.9.9.9"
    shopper, other_shopper = new_address(), new_address()
    assert searches(url, proxy, [f"1.1.1.{n}, {shopper}, {balancer}" for n in range(3)]) == [200, 200, 429]
    assert searches(url, proxy, [f"{other_shopper}, {balancer}"]) == [200]


def addresses_of_one_network(count):
    """Addresses one IPv6 client may all use: its /64 network is its own."""
    network = new_address().removesuffix("::1")
    return [f"{network}::{host:x}:{host:x}" for host in range(1, count + 1)]


@pytest.mark.parametrize("url", [SEARCH_API, SEARCH_PAGE])
def test_an_ipv6_client_changing_address_within_its_network_buys_no_more_searches(two_a_minute, url):
    statuses = [
        Client(REMOTE_ADDR=address).get(url, {"q": "linen"}).status_code
        for address in addresses_of_one_network(3)
    ]
    assert statuses == [200, 200, 429]
    assert Client(REMOTE_ADDR=new_address()).get(url, {"q": "linen"}).status_code == 200


def test_an_ipv4_client_written_as_ipv6_is_counted_as_itself(two_a_minute):
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = [
        Client(REMOTE_ADDR=written).get(SEARCH_API, {"q": "linen"}).status_code
        for written in (address, f"::ffff:{address}", address)
    ]
    assert statuses == [200, 200, 429]


def test_the_search_page_says_how_long_to_wait(two_a_minute):
    client = Client(REMOTE_ADDR=new_address())
    for _ in range(2):
        assert client.get(SEARCH_PAGE, {"q": "linen"}).status_code == 200
    response = client.get(SEARCH_PAGE, {"q": "linen"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Please wait" in response.content.decode()
    # The empty search page runs no query and is not counted.
    assert client.get(SEARCH_PAGE).status_code == 200


def test_sign_ups_are_limited_per_address_before_the_form_is_checked(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"signup": "3/hour"}}
    UserFactory(email="known@example.com")
    client = Client(REMOTE_ADDR=new_address())

    def sign_up(email, username="someone"):
        data = {"username": username, "email": email, "password1": "pass-phrase-1", "password2": "x"}
        return client.post("/accounts/signup/", data, HTTP_X_FORWARDED_FOR=new_address())

    # Each form sent counts, accepted or not: asking which addresses have an account is limited.
    assert "exists already" in sign_up("known@example.com").content.decode()
    assert "exists already" not in sign_up("unknown@example.com").content.decode()
    assert sign_up("other@example.com").status_code == 200
    refused = sign_up("known@example.com")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    page = refused.content.decode()
    assert "Too many sign-ups" in page and "exists already" not in page
    assert 'value="known@example.com"' in page  # what was typed is kept
    # A correct form is refused too, and creates nothing; the form is still shown.
    users = get_user_model().objects.count()
    data = {"username": "newbie", "email": "newbie@example.com"}
    data |= {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    assert client.post("/accounts/signup/", data).status_code == 429
    assert get_user_model().objects.count() == users
    assert client.get("/accounts/signup/").status_code == 200
    # Another address of the same IPv6 network is the same client; another network is not affected.
    same_network = client.defaults["REMOTE_ADDR"].removesuffix("::1") + "::2"
    assert Client(REMOTE_ADDR=same_network).post("/accounts/signup/", data).status_code == 429
    assert Client(REMOTE_ADDR=new_address()).post("/accounts/signup/", data).status_code == 302


@pytest.mark.parametrize("url", [SEARCH_API, SEARCH_PAGE])
def test_while_redis_is_down_searches_are_still_limited(redis_unreachable, two_a_minute, url):
    client = Client(REMOTE_ADDR=new_address())
    assert [client.get(url, {"q": "linen"}).status_code for _ in range(3)] == [200, 200, 429]
    assert Client(REMOTE_ADDR=new_address()).get(url, {"q": "linen"}).status_code == 200


def test_while_redis_is_down_sign_ups_are_still_limited(redis_unreachable, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"signup": "2/hour"}}
    UserFactory(email="known@example.com")
    client = Client(REMOTE_ADDR=new_address())
    data = {"username": "someone", "email": "known@example.com", "password1": "pass-phrase-1"}

    statuses = [client.post("/accounts/signup/", data).status_code for _ in range(3)]

    # Asking which addresses have an account stays slow through an outage.
    assert statuses == [200, 200, 429]


def test_while_redis_is_down_a_flood_of_new_clients_forgets_no_count(
    redis_unreachable, settings, monkeypatch
):
    # Each limit's counts are held apart, and a full store refuses the clients it cannot count
    # rather than forget those it does: LocMemCache's cull dropped a third of one store shared by
    # every limit, the counts of clients at their limits included (an attacker with many IPv6
    # networks flushed a sign-up count by searching).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"search_user": "2/min", "search_anon": "2/min", "signup": "2/hour"},
    }
    for throttle in (SearchAnonThrottle, SignUpThrottle):
        monkeypatch.setattr(throttle.cache.local, "max_entries", 5)
    signer, searcher = Client(REMOTE_ADDR=new_address()), Client(REMOTE_ADDR=new_address())
    sign_up = {"username": "someone", "email": "someone@example.com", "password1": "pass-phrase-1"}
    assert signer.post("/accounts/signup/", sign_up).status_code == 200
    assert [searcher.get(SEARCH_API, {"q": "linen"}).status_code for _ in range(2)] == [200, 200]

    flood = [Client(REMOTE_ADDR=new_address()).get(SEARCH_API, {"q": "linen"}) for _ in range(8)]

    # Room for 4 more searchers: the others are refused until the first count expires.
    assert [response.status_code for response in flood] == [200] * 4 + [429] * 4
    assert 0 < int(flood[-1]["Retry-After"]) <= 60
    assert searcher.get(SEARCH_API, {"q": "linen"}).status_code == 429
    assert [signer.post("/accounts/signup/", sign_up).status_code for _ in range(2)] == [200, 429]


def test_once_redis_is_back_every_process_counts_together_again(redis_unreachable, two_a_minute):
    client = Client(REMOTE_ADDR=new_address())
    assert [client.get(SEARCH_API, {"q": "linen"}).status_code for _ in range(3)] == [200, 200, 429]

    redis_unreachable.back()

    # The counts of the outage are this process's own: the shared ones decide again ...
    assert [client.get(SEARCH_API, {"q": "linen"}).status_code for _ in range(3)] == [200, 200, 429]
    # ... and hold in Redis, for every process: this one forgetting its own changes nothing.
    local_counts_clear()
    assert client.get(SEARCH_API, {"q": "linen"}).status_code == 429


def test_a_throttle_with_a_scope_but_no_counts_of_its_own_is_refused_when_defined():
    # It would count in DRF's default cache, which lets every request through while Redis is down.
    from rest_framework.throttling import AnonRateThrottle

    from storefront.cache_backends import CountsThroughOutages
    from storefront.throttles import RatesFromSettings

    with pytest.raises(TypeError, match="ForgetfulThrottle sets no cache"):

        class ForgetfulThrottle(RatesFromSettings, AnonRateThrottle):
            scope = "forgetful"

    class CountingThrottle(RatesFromSettings, AnonRateThrottle):
        scope = "counting"
        cache = CountsThroughOutages("test counts")

    CountsThroughOutages.made.remove(CountingThrottle.cache)
