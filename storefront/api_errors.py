"""JSON answers for API paths where Django's own would be HTML: no such endpoint, an article id that
cannot be one, a request Django refused to read, a server error, and addresses with a NUL character
(which PostgreSQL text cannot hold, so no view may see one); and the API's 401 for a caller who is
not logged in, which says how to log in, and its 406, which says what to accept. A refused request
outside the API gets a page saying why."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import server_error as page_server_error
from rest_framework.exceptions import ErrorDetail, NotAcceptable, NotAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from storefront.photo_checks import UploadRejected, megabytes

LOGIN_HINT = (
    "Log in first: send `Authorization: Token <key>` (get a key with POST /api/v1/auth/token/ and your "
    "username and password) or use the session of a browser logged in at /accounts/login/."
)
# DRF's own "Could not satisfy the request Accept header." says not what would.
NOT_ACCEPTABLE_HINT = (
    "This API answers in JSON: send `Accept: application/json`, or no Accept header "
    "(the Accept header of this request names no media type it answers in)."
)


def is_api_request(request: HttpRequest) -> bool:
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
    that needs a login: DRF's own "Authentication credentials were not provided." says not how; a
    406 that says which Accept header would do; and a refused upload (storefront.photo_checks) as
    `{"detail": ...}` with its status, wherever the view refused it."""
    if isinstance(exc, UploadRejected):
        return Response({"detail": exc.message}, status=exc.status)
    if isinstance(exc, NotAuthenticated) and exc.detail == NotAuthenticated.default_detail:
        exc.detail = ErrorDetail(LOGIN_HINT, code=exc.default_code)
    if isinstance(exc, NotAcceptable) and exc.detail == NotAcceptable.default_detail:
        exc.detail = ErrorDetail(NOT_ACCEPTABLE_HINT, code=exc.default_code)
    return drf_exception_handler(exc, context)


def refused_request_message(exception: Exception | None) -> str:
    """What was wrong with a request Django refused to parse (its limits on a form), in words; other
    refusals (a Host header not ours, say) get a general sentence that repeats nothing sent."""
    if isinstance(exception, TooManyFilesSent):
        return (
            f"That request carries more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files. "
            "Send one photo at a time."
        )
    if isinstance(exception, TooManyFieldsSent):
        return (
            f"That request carries more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} form fields; "
            "the shop's forms send a handful."
        )
    if isinstance(exception, RequestDataTooBig):
        return (
            f"That request's form fields (photos aside) are larger than "
            f"{megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}."
        )
    return "That request was malformed, so it was not read."


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: what was wrong, as JSON on the API and as a page elsewhere. Django's own page said
    only "Bad Request (400)" to a form with too many files or fields."""
    return refused_answer(request, refused_request_message(exception))


def refused_answer(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 saying `message`: JSON on the API, the shop's 400 page elsewhere."""
    if is_api_request(request):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(render_to_string("400.html", {"message": message}))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the shop's error page, or JSON on the API; the 503 "try again" when what failed
    was reaching PostgreSQL outside a view (a middleware), where AnswerUnavailableWithoutDatabase's
    process_exception never sees it."""
    # Imported here: storefront.database_unavailable imports this module (is_api_request).
    from storefront.database_unavailable import database_unreachable, unavailable_answer

    error = sys.exc_info()[1]
    if error is not None and database_unreachable(error):
        return unavailable_answer(request, error)
    if is_api_request(request):
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
            return refused_answer(request, self.MESSAGE)
        return self.get_response(request)
