"""JSON answers for API paths where Django's own would be HTML: no such endpoint, an article id that
cannot be one, a server error, and addresses with a NUL character (which PostgreSQL text cannot
hold, so no view may see one); and the API's 401 for a caller who is not logged in, which says how
to log in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import server_error as page_server_error
from rest_framework.exceptions import ErrorDetail, NotAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

LOGIN_HINT = (
    "Log in first: send `Authorization: Token <key>` (get a key with POST /api/v1/auth/token/ and your "
    "username and password) or use the session of a browser logged in at /accounts/login/."
)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


# The two 404s below change nothing, so they need no CSRF token: without csrf_exempt an API client
# that POSTs to a mistyped address got Django's HTML "CSRF verification failed" page, not the 404.
@csrf_exempt
def api_not_found(request: HttpRequest, unmatched: str = "") -> JsonResponse:
    return JsonResponse(
        {"detail": f"No API endpoint at {request.path}. The endpoints are listed at /api/docs/."},
        status=404,
    )


@csrf_exempt
def api_bad_article_id(request: HttpRequest, article_id: str) -> JsonResponse:
    """404 for /api/v1/articles/<article_id>/... whose id is no number of 1-10 digits, which the
    article routes do not match: saying which part of the address is wrong beats "no endpoint"."""
    return JsonResponse(
        {
            "detail": f"No article with article_id {article_id!r}: article ids are numbers of at most "
            "10 digits, e.g. 0108775015 (leading zero optional). The endpoints are listed at /api/docs/."
        },
        status=404,
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (settings' EXCEPTION_HANDLER), with the same actionable 401 on every endpoint
    that needs a login: DRF's own "Authentication credentials were not provided." says not how."""
    if isinstance(exc, NotAuthenticated) and exc.detail == NotAuthenticated.default_detail:
        exc.detail = ErrorDetail(LOGIN_HINT, code=exc.default_code)
    return drf_exception_handler(exc, context)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the shop's error page, or JSON on the API."""
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side. Please try again later."}, status=500
        )
    return page_server_error(request)


class RejectNulCharacters:
    """Middleware: 400 for a path or query string with a NUL character (%00), before any view."""

    MESSAGE = "The address contains a NUL character (%00), which no page or parameter accepts."

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET
        if any(
            "\x00" in text
            for text in [request.path, *query, *(v for key in query for v in query.getlist(key))]
        ):
            if _is_api(request):
                return JsonResponse({"detail": self.MESSAGE}, status=400)
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
