"""Web requests wait for a database lock for a few seconds at most, then answer "busy".

An import holds the articles and customers against writers for its whole load (see
catalog.importer.table_swap). A staff member saving an article meanwhile would wait for all of it,
and worse: the save has already read the table, which the import needs for a moment at its end,
so the two would deadlock and PostgreSQL would end the import. With a lock timeout on the web
process's connections, the save gives up after WEB_LOCK_TIMEOUT_SECONDS instead, its transaction
rolls back (nothing is saved), the page says why, and the import goes on.

The timeout is set for the web server's connections only (storefront.web_connections installs
it): imports, training jobs and migrations run elsewhere and wait as long as they must.
"""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.deprecation import MiddlewareMixin

from storefront.api_errors import is_api_request

BUSY_MESSAGE = (
    "The shop's data is being updated right now (an import is running), so this could not be "
    "done. Nothing was changed; please try again in a minute."
)
RETRY_AFTER_SECONDS = 30


def lock_timeout_ms() -> int:
    """What the web server's connections set lock_timeout to (storefront.web_connections)."""
    return round(settings.WEB_LOCK_TIMEOUT_SECONDS * 1000)


def _waited_too_long(error: BaseException) -> bool:
    cause = error.__cause__
    return isinstance(error, OperationalError) and isinstance(
        cause, (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected)
    )


class AnswerBusyWhenLocked(MiddlewareMixin):
    """Middleware: a request that gave up waiting for a lock is a 503 that says why, not a 500."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _waited_too_long(exception):
            return None
        return retry_later_answer(request, BUSY_MESSAGE)


def retry_later_answer(request: HttpRequest, message: str) -> HttpResponse:
    """A 503 with Retry-After saying `message`: JSON on the API, elsewhere the busy page, which has
    none of the shop's menus, so it asks the database nothing more."""
    if is_api_request(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
