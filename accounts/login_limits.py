"""Failed logins are limited per client address and per username, so that passwords cannot be
guessed at speed.

After LOGIN_FAILURES_PER_ADDRESS failures from one address, or LOGIN_FAILURES_PER_USERNAME for one
username, within LOGIN_FAILURE_WINDOW_SECONDS of the first, every login there is refused until
that window ends, the right password included (so further guesses learn nothing). A successful
login clears its username's count. Usernames are counted whether or not they exist, so the limit
tells nobody which do. Counts live in the shared cache (Redis in production), like the throttles.

Every way in (the login page, the admin's, the API token) goes through `authenticate`, so the limit
is an authentication backend; the login page and the API token also say why they refuse.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from storefront.throttles import client_ip


def refused_message() -> str:
    minutes = max(1, round(settings.LOGIN_FAILURE_WINDOW_SECONDS / 60))
    return (
        "Too many failed attempts to log in. For your security, please wait "
        f"{minutes} minute{'s' if minutes != 1 else ''} and try again."
    )


def _username_key(username: str) -> str:
    # Hashed: a username is whatever a client typed, and must not shape the cache key.
    return "login-failures:username:" + hashlib.sha256(username.casefold().encode()).hexdigest()


def _counters(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    return [
        (f"login-failures:address:{client_ip(request)}", settings.LOGIN_FAILURES_PER_ADDRESS),
        (_username_key(username), settings.LOGIN_FAILURES_PER_USERNAME),
    ]


def logins_refused(request: HttpRequest, username: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _counters(request, username))


def record_failure(request: HttpRequest, username: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, _limit in _counters(request, username):
        # add() is atomic: the first failure opens the window and sets its expiry.
        if cache.add(key, 1, timeout=window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this failure opens the next window
            cache.add(key, 1, timeout=window)


class LoginLimitBackend(ModelBackend):
    """Django's username and password check, refused (PermissionDenied) past the limits."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None or username is None:  # test clients' login(), management commands
            return super().authenticate(request, username=username, password=password, **kwargs)
        if logins_refused(request, username):
            raise PermissionDenied(refused_message())
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(request, username)
        else:
            cache.delete(_username_key(username))
        return user
