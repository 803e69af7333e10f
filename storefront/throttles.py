"""Rate limits for searches (by words or by photo): per signed-in user and per client IP; and for
sign-ups, per client IP (each sign-up form sent, accepted or not, so that neither accounts in
bulk nor asking which email addresses have an account here can go fast).

The API uses DRF's throttles with the `search_user` / `search_anon` rates from settings, and the
pages (plain Django views) go through the same throttles (`throttled_page`): one allowance
per user or address, whether it searches by page or by API, by words or by photo, counted in the
shared cache (Redis in production, so every web process counts together), and in each process's
own memory while Redis is unreachable (storefront.cache_backends.CountsThroughOutages).

The client IP is REMOTE_ADDR. X-Forwarded-For is written by the client unless a proxy we run
rewrites it, so it is read only with BEHIND_PROXY set, and then only the address our farthest
proxy appended (the last of it behind one proxy, the one before last behind a load balancer and
nginx): settings' NUM_PROXIES, which DRF's throttles and the pages' share.

An IPv6 client is counted by its /64 network, not its address (`client_network`).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle
from rest_framework.views import APIView

from storefront.cache_backends import CountsThroughOutages, LocalCountsFull

# The smallest IPv6 network a home or mobile line is given (RFC 6177: /64 to /48), every address of
# which its owner may use: counted per address, one client could send each request from another
# of its 2^64 addresses and never reach a limit (seen: 25 sign-ups and 25 failed logins from one
# /64 against limits of 20, none refused).
IPV6_CLIENT_PREFIX = 64


def client_network(address: str) -> str:
    """What one client is counted as: an IPv4 address itself (an IPv4-mapped IPv6 one too), an IPv6
    address its /64 network; anything else (no address) as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_CLIENT_PREFIX), strict=False))
    return str(ip)


class RatesFromSettings:
    """The rate as settings give it now (DRF reads the rates once, when its class is defined), per
    client_key."""

    scope: str
    # Not DRF's plain shared cache: through it, every limit let every request through while Redis
    # was down. One per scope (each class that sets `scope` sets its own).
    # (Any: DRF types it as a BaseCache, whose get and set this one has.)
    cache: Any
    # Seconds to wait when this process's counts for the scope were full (LocalCountsFull).
    refused_while_full: float | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # `cache: Any` above is only an annotation: a throttle with a scope that forgot its own
        # would count in DRF's default cache, through every Redis outage uncounted, and nothing
        # would say so.
        super().__init_subclass__(**kwargs)
        if getattr(cls, "scope", None) and not isinstance(getattr(cls, "cache", None), CountsThroughOutages):
            raise TypeError(
                f"{cls.__name__} sets no cache: give it its own CountsThroughOutages, as the other "
                "throttles with a scope have, so that it counts while Redis is unreachable."
            )

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return bool(super().allow_request(request, view))  # type: ignore[misc]
        except LocalCountsFull as full:
            # Redis is down and this process counts as many clients as it can hold: one it does
            # not count yet is refused, rather than let through uncounted or counted in place of
            # one that is at its limit.
            self.refused_while_full = full.retry_after
            return False

    def wait(self) -> float | None:
        if self.refused_while_full is not None:
            return self.refused_while_full
        return super().wait()  # type: ignore[misc]

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)

    def get_ident(self, request: Request) -> str:
        return client_key(request)


class SearchUserThrottle(RatesFromSettings, UserRateThrottle):
    """Signed-in shoppers, counted per user (anonymous requests fall through to the IP below)."""

    scope = "search_user"
    cache: Any = CountsThroughOutages("searches per user or address")


class SearchAnonThrottle(RatesFromSettings, AnonRateThrottle):
    """Anonymous requests, counted per client IP."""

    scope = "search_anon"
    cache: Any = CountsThroughOutages("searches per address")


SEARCH_THROTTLES: list[type[BaseThrottle]] = [SearchUserThrottle, SearchAnonThrottle]
SEARCH_REFUSED = "You have searched a lot in a short time. Please wait {wait} seconds and try again."


class SignUpThrottle(RatesFromSettings, AnonRateThrottle):
    """Sign-up forms sent, per client IP (signed-in users are sent to their account instead)."""

    scope = "signup"
    cache: Any = CountsThroughOutages("sign-ups per address")


SIGN_UP_REFUSED = "Too many sign-ups were tried from your network. Please wait {wait} seconds and try again."


class QueryOnlyThrottleMixin:
    """For endpoints that both list and search: only requests with a query `q` are counted."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        return not request.query_params.get("q") or super().allow_request(request, view)  # type: ignore[misc]


class QueryUserThrottle(QueryOnlyThrottleMixin, SearchUserThrottle):
    pass


class QueryAnonThrottle(QueryOnlyThrottleMixin, SearchAnonThrottle):
    pass


def client_key(request: HttpRequest | Request) -> str:
    """What the limits count the client as: its address by DRF's rule (REMOTE_ADDR, or behind our
    proxies the address the farthest of them appended) through client_network, so an IPv4 address
    ("192.0.2.7") or an IPv6 /64 network ("2001:db8:1:2::/64"), not necessarily an address to show
    or to connect to."""
    # DRF's rule reads only request.META, which a Django request has too.
    return client_network(str(BaseThrottle().get_ident(request) or "unknown"))  # type: ignore[arg-type]


def throttled_page(
    request: HttpRequest,
    draw: Callable[[str], HttpResponse],
    throttles: Sequence[type[BaseThrottle]] = SEARCH_THROTTLES,
    refused: str = SEARCH_REFUSED,
) -> HttpResponse | None:
    """Counts one request made from a page (a search by default) in the API's own counters. None
    when it may go on; else the page `draw` makes with the message `refused` (its `{wait}` filled
    in), as a 429 with Retry-After. DRF's throttles read only the user and request.META, which a
    page's request has too."""
    for throttle_class in throttles:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            wait = max(1, math.ceil(throttle.wait() or 1))
            response = draw(refused.format(wait=wait))
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
    return None
