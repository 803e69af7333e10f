"""Answers to a signed-in caller are stored by no cache, shared or the browser's own.

Such an answer can hold the caller's own data (the account page's purchases, "For you" on the home
page, every /api/v1/me/ endpoint) and carried no Cache-Control at all: a proxy or CDN in front of
the shop could keep it and hand it to the next visitor, and a browser kept it on disk and showed it
again, with the back button or offline, after its owner had logged out of a shared computer. Vary:
Cookie does not cover token callers (the key is in Authorization), nor the browser's own copy.
A view that sets Cache-Control itself keeps its own (the data download's no-store).

An answer that sets a cookie is private too, whoever asked: a logged-out visitor's login or sign-up
page (any page with a form) sets their CSRF cookie, and a shared cache that stored it would hand
that one cookie to every visitor after them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NeverCacheSignedIn:
    """Middleware, after AuthenticationMiddleware: the admin's headers (never_cache) on every answer
    to a caller signed in by session or by API token (DRF sets the request's user when it
    authenticates one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if signed_in(request) and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class PrivateWhenSettingCookies:
    """Middleware, before SessionMiddleware (so that it sees the cookies that and CSRF's set): an
    answer with Set-Cookie is `Cache-Control: private`, even one whose view called it public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.cookies:
            patch_cache_control(response, private=True)
        return response


def signed_in(request: HttpRequest) -> bool:
    """Whether the caller is signed in; taken to be when that cannot be known.

    A session's user is read from the database the first time it is asked for, which may be here,
    after the view: while PostgreSQL is away that read fails too, and raising here turned the
    view's 503 "try again" into a 500. Counting the caller as signed in only keeps the answer out
    of caches, which a 503 loses nothing by."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    try:
        return bool(user.is_authenticated)
    except DatabaseError:
        return True
