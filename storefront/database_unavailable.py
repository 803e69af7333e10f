"""A request that cannot reach PostgreSQL (down, restarting, out of connections) is a 503 that says
to try again in a moment, not the 500 "something went wrong on our side" of a bug.

The difference matters to shoppers (it is temporary), to API clients and proxies (503 with
Retry-After may be retried; a 500 may not) and to whoever is paged (an outage, not a bug). Django
logs nothing for an exception a middleware answers, so this logs the database's own error itself,
as one line: it names the cause (the host, "Connection refused", "too many clients").
"""

from __future__ import annotations

import logging

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

from storefront.db_locks import retry_later_answer

logger = logging.getLogger(__name__)

# Not "nothing was changed": a request can lose the database after its change committed (a
# callback run on commit, the session saved after the view), and the change then stands.
UNAVAILABLE_MESSAGE = (
    "The shop cannot reach its data right now, so this could not be shown or finished. Please try "
    "again in a minute; if you were changing something, check whether it was changed before you "
    "change it again."
)
# SQLSTATEs of a server that is away, not of a bad query (PostgreSQL, appendix A): class 08
# (connection exception), 57P01-57P03 (shutting down, crashed, starting up), 53300 (too many
# connections). A connection that could not be opened at all has none.
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")


def database_unreachable(error: BaseException) -> bool:
    if isinstance(error, InterfaceError):  # the connection was closed under us
        return True
    cause = error.__cause__
    if not isinstance(error, OperationalError) or not isinstance(cause, psycopg.OperationalError):
        return False
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES)


class AnswerUnavailableWithoutDatabase(MiddlewareMixin):
    """Middleware: a view that lost the database answers 503 with Retry-After, and logs why."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unreachable(exception):
            return None
        return unavailable_answer(request, exception)


def unavailable_answer(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 with Retry-After, as JSON on the API and as the busy page elsewhere, logging `error`.

    Also handler500's answer when a middleware lost the database (storefront.api_errors.server_error):
    no process_exception sees what fails outside a view."""
    logger.error("Database unavailable, answered 503: %s %s: %s", request.method, request.path, error)
    return retry_later_answer(request, UNAVAILABLE_MESSAGE)
