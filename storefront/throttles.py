"""Rate limits for searches (by words or by photo): per signed-in user and per client IP.

The API uses DRF's throttles with the `search_user` / `search_anon` rates from settings; the
pages (plain Django views) use the same rates through `page_throttle_wait`, a fixed-window
counter in the shared cache (Redis in production, so every web process counts together).

The client IP is REMOTE_ADDR. X-Forwarded-For is written by the client unless a proxy we run
rewrites it, so it is read only with BEHIND_PROXY set, and then only its last address (the one
our proxy appended): settings' NUM_PROXIES, which DRF's throttles and the pages' share.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle
from rest_framework.views import APIView


class SearchUserThrottle(UserRateThrottle):
    """Signed-in shoppers, counted per user (anonymous requests fall through to the IP below)."""

    scope = "search_user"


class SearchAnonThrottle(AnonRateThrottle):
    """Anonymous requests, counted per client IP."""

    scope = "search_anon"


SEARCH_THROTTLES: list[type[BaseThrottle]] = [SearchUserThrottle, SearchAnonThrottle]


class QueryOnlyThrottleMixin:
    """For endpoints that both list and search: only requests with a query `q` are counted."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        return not request.query_params.get("q") or super().allow_request(request, view)  # type: ignore[misc]


class QueryUserThrottle(QueryOnlyThrottleMixin, SearchUserThrottle):
    pass


class QueryAnonThrottle(QueryOnlyThrottleMixin, SearchAnonThrottle):
    pass


PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate(scope: str) -> tuple[int, int]:
    """(requests, seconds) from a DRF rate string such as "60/min"."""
    rate = str(api_settings.DEFAULT_THROTTLE_RATES[scope])
    requests, period = rate.split("/")
    return int(requests), PERIOD_SECONDS[period[0]]


def client_ip(request: HttpRequest) -> str:
    # DRF's rule reads only request.META, which a Django request has too.
    return str(BaseThrottle().get_ident(request) or "unknown")  # type: ignore[arg-type]


def page_throttle_wait(request: HttpRequest, bucket: str) -> int | None:
    """Count one request; None when allowed, else the seconds until the window resets."""
    if request.user.is_authenticated:
        scope, ident = "search_user", f"user-{request.user.pk}"
    else:
        scope, ident = "search_anon", f"ip-{client_ip(request)}"
    limit, window = _rate(scope)
    now = int(time.time())
    window_start = now - now % window
    key = f"page-throttle:{bucket}:{ident}:{window_start}"
    # add() is atomic: the first request of a window creates the counter with its expiry.
    if cache.add(key, 1, timeout=window + 1):
        return None
    try:
        count = cache.incr(key)
    except ValueError:
        # Expired between add and incr: this request opens the next window.
        cache.add(key, 1, timeout=window + 1)
        return None
    if count > limit:
        return window_start + window - now
    return None
