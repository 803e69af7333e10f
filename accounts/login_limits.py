"""Failed logins are limited per client address and per username, so that passwords cannot be
guessed at speed.

After LOGIN_FAILURES_PER_ADDRESS failures from one address, or LOGIN_FAILURES_PER_USERNAME for one
username, in a window of LOGIN_FAILURE_WINDOW_SECONDS (fixed windows, counted from the epoch),
every login there is refused until that window ends, the right password included (so further
guesses learn nothing). A successful login clears its username's count. Usernames are counted
whether or not they exist, so the limit tells nobody which do. Counts live in the shared cache
(Redis in production), like the throttles.

While Redis is unreachable each process counts on its own (storefront.cache_backends.
CountsThroughOutages): neither every guess let through nor everyone locked out. An attempt from an
address this process has no room left to count is refused; a username it has no room left to count
is held to its address's limit alone, so that a flood of made-up usernames (from a few hundred
addresses) cannot refuse every login, staff included.

Every way in (the login page, the admin's, the API token) goes through `authenticate`, so the limit
is an authentication backend; the login page and the API token also say why they refuse.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.password_lengths import PASSWORD_TOO_LONG, password_too_long
from storefront.cache_backends import CountsThroughOutages, LocalCountsFull
from storefront.throttles import client_key


def refused_message() -> str:
    minutes = max(1, round(settings.LOGIN_FAILURE_WINDOW_SECONDS / 60))
    return (
        "Too many failed attempts to log in. For your security, please wait "
        f"{minutes} minute{'s' if minutes != 1 else ''} and try again."
    )


# One store per limit (storefront.cache_backends.CountsThroughOutages).
_ADDRESS_COUNTS = CountsThroughOutages("failed logins per address")
_USERNAME_COUNTS = CountsThroughOutages("failed logins per username")

# Set on a request whose login the limits refused: authenticate() turns the backend's
# PermissionDenied into None, the same as a wrong password; callers ask refused_by_the_limits.
_REFUSED_ATTRIBUTE = "login_limits_refused"


def _counters(request: HttpRequest, username: str) -> list[tuple[CountsThroughOutages, str, int]]:
    """(counts, cache key, limit) per client address and per username, for the current window.

    The window is in the key: a counter is only ever read in its own window, so one that lost its
    expiry (Django's incr on Redis is EXISTS then INCR) is a stray key, never a lock for good.
    """
    window = int(time.time()) // settings.LOGIN_FAILURE_WINDOW_SECONDS
    # Hashed: a username is whatever a client typed, and must not shape the cache key.
    name = hashlib.sha256(username.casefold().encode()).hexdigest()
    return [
        (
            _ADDRESS_COUNTS,
            f"login-attempts:address:{client_key(request)}:{window}",
            settings.LOGIN_FAILURES_PER_ADDRESS,
        ),
        (_USERNAME_COUNTS, f"login-attempts:username:{name}:{window}", settings.LOGIN_FAILURES_PER_USERNAME),
    ]


def logins_refused(request: HttpRequest, username: str) -> bool:
    return any((counts.get(key) or 0) >= limit for counts, key, limit in _counters(request, username))


def refused_by_the_limits(request: HttpRequest) -> bool:
    """Whether `authenticate` turned this request's login away at the limits, the right password
    included (it answers None then, as for a wrong password)."""
    return bool(getattr(request, _REFUSED_ATTRIBUTE, False))


def _seconds_left_in_window() -> int:
    """Until the current fixed window ends: a count keyed by its window is never read after it."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return max(1, math.ceil(window - time.time() % window))


def _refuse(request: HttpRequest) -> PermissionDenied:
    setattr(request, _REFUSED_ATTRIBUTE, True)
    return PermissionDenied(refused_message())


def _count(counts: CountsThroughOutages, key: str) -> int:
    """One more attempt on a counter, atomically; returns the count with it."""
    timeout = _seconds_left_in_window()
    if counts.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(counts.incr(key))
    except ValueError:  # expired between add and incr
        counts.add(key, 1, timeout=timeout)
        return 1


class LoginLimitBackend(ModelBackend):
    """Django's username and password check, refused (PermissionDenied) past the limits."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if password_too_long(password):
            # Refused before it is hashed (accounts/password_lengths.py), and not counted: no
            # account has such a password, so it guesses nothing. PermissionDenied keeps the next
            # backend from hashing it instead.
            raise PermissionDenied(PASSWORD_TOO_LONG)
        if request is None or username is None:  # test clients' login(), management commands
            return super().authenticate(request, username=username, password=password, **kwargs)
        if logins_refused(request, username):
            raise _refuse(request)
        # Counted before the password is checked: attempts sent all at once are each counted
        # before any of them is checked, so no more than the limit are checked, in parallel or not.
        counters = _counters(request, username)
        (address_counts, address, address_limit), (username_counts, username_key, username_limit) = counters
        try:
            over_a_limit = _count(address_counts, address) > address_limit
        except LocalCountsFull:
            # Redis is down and this process already counts as many addresses as it holds: an
            # attempt it cannot count is refused, not let through uncounted.
            raise _refuse(request) from None
        # Redis is down and the usernames this process counts fill its store (LocalCountsFull): a
        # username new to it is held to its address's limit alone, counted above. Refused instead,
        # a few hundred addresses sending made-up usernames refused every login, staff's too.
        if not over_a_limit:
            with contextlib.suppress(LocalCountsFull):
                over_a_limit = _count(username_counts, username_key) > username_limit
        if over_a_limit:
            raise _refuse(request)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # Ends the attempt here, so that no backend after this one checks the password again.
            raise PermissionDenied("Invalid username or password.")
        # Not a failure after all: off the address's count, and the username starts afresh.
        with contextlib.suppress(ValueError):
            address_counts.decr(address)
        username_counts.delete(username_key)
        return user
