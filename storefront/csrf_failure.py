"""The answer to a form sent with an out-of-date or missing security token (CSRF_FAILURE_VIEW).

Django's own page says "CSRF verification failed. Request aborted." with none of the shop around
it. In a shop the usual cause is two tabs: logging in renews the token, so a login or logout form
still open in the other tab fails. The page says what happened, that nothing was changed, and
links back to the form, which loads with a fresh token."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from storefront.api_errors import is_api_request

API_MESSAGE = (
    "CSRF check failed: a browser session must send the csrftoken cookie's value in the X-CSRFToken "
    "header; or send `Authorization: Token <key>` instead of the session."
)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": API_MESSAGE}, status=403)
    context = {"form_url": _form_url(request), "no_cookie": reason == REASON_NO_CSRF_COOKIE}
    return render(request, "403_csrf.html", context, status=403)


def _form_url(request: HttpRequest) -> str:
    """The page the form was on (from the Referer, when it is this shop's), else the home page: the
    address posted to may not answer a GET (logout)."""
    referer = request.headers.get("Referer", "")
    allowed_hosts = {request.get_host()}
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts=allowed_hosts, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        local = f"{parts.path}?{parts.query}" if parts.query else parts.path or "/"
        # Checked again: a path of this shop such as `//elsewhere.example/x` is, linked on its own,
        # another site's address.
        if url_has_allowed_host_and_scheme(local, allowed_hosts=allowed_hosts):
            return local
    return reverse("catalog:home")
