"""What the web server's own database connections do differently from every other process.

Three settings, for web requests only (storefront/wsgi.py and storefront/asgi.py call `install`):

- a short lock timeout (storefront.db_locks): a save during an import answers "busy";
- a statement timeout (WEB_STATEMENT_TIMEOUT_SECONDS): a runaway query is cancelled and its request
  answers the shop's 500 page, instead of holding its gunicorn thread for as long as the query runs
  (under gthread the worker's heartbeat comes from its main loop, so gunicorn's own timeout does
  not restart a worker whose thread waits on a query: nothing else frees that thread);
- no JIT compilation. PostgreSQL compiles a query to machine code when its estimated cost is
  high, which the planner's estimates for deep listing and admin pages are: at H&M scale the
  compilation alone took 1.4-5.9 s of such requests (1,346 ms of a 1.5 s purchase admin page),
  while the query it sped up ran for milliseconds. A web request's queries are short by design,
  so compiling never pays for itself there. Imports, training jobs and migrations keep JIT: their
  long aggregations over millions of rows are what it is for.

Long work that a web process runs in a thread of its own (a training run without a broker) opens
its connections inside `long_work()`, which keeps the server's defaults for them. It is per thread:
a thread that work starts (a run's heartbeat) enters it too.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import OperationalError
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

from storefront import db_locks

logger = logging.getLogger(__name__)

DISPATCH_UID = "storefront.web_connections"

_thread_state = threading.local()


def statement_timeout_ms() -> int:
    """What the web server's connections set statement_timeout to; 0 (no limit) when the setting is 0."""
    return round(settings.WEB_STATEMENT_TIMEOUT_SECONDS * 1000)


def configure(sender: Any = None, connection: Any = None, **_kwargs: Any) -> None:
    """connection_created receiver: every setting, in one round trip."""
    if connection is None or connection.vendor != "postgresql":
        return
    if getattr(_thread_state, "long_work", False):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SET lock_timeout = {db_locks.lock_timeout_ms()}; "
            f"SET statement_timeout = {statement_timeout_ms()}; SET jit = off"
        )


def install() -> None:
    """Configure every database connection this process opens from now on as a web server's."""
    connection_created.connect(configure, dispatch_uid=DISPATCH_UID)


@contextlib.contextmanager
def long_work() -> Iterator[None]:
    """Connections this thread opens meanwhile are not a web request's: no timeouts, JIT as the
    server has it. The thread must open its own (Django's are per thread), and close them after."""
    _thread_state.long_work = True
    try:
        yield
    finally:
        _thread_state.long_work = False


def _cancelled_by_timeout(error: BaseException) -> bool:
    # QueryCanceled is also what a DBA's pg_cancel_backend raises ("due to user request"): only
    # PostgreSQL's own message tells the statement timeout apart.
    return (
        isinstance(error, OperationalError)
        and isinstance(error.__cause__, psycopg.errors.QueryCanceled)
        and "statement timeout" in str(error)
    )


def _application_frame(error: BaseException) -> str:
    """file:line of the innermost frame of the shop's own code in `error`'s traceback: where the
    query was sent from, which the method and path do not say (a page runs many queries)."""
    root = Path(settings.BASE_DIR).resolve()
    innermost = "unknown"
    for frame, line in traceback.walk_tb(error.__traceback__):
        path = Path(frame.f_code.co_filename).resolve()
        if path.is_relative_to(root) and "site-packages" not in path.parts:
            innermost = f"{path.relative_to(root)}:{line}"
    return innermost


class LogStatementTimeouts(MiddlewareMixin):
    """Middleware: a request whose query the statement timeout cancelled answers the shop's 500
    (page or JSON) and logs one line naming the timeout and the shop's code that sent the query,
    instead of Django's traceback through every framework frame. Any other cancel (a DBA's) is
    left to Django's usual 500 and its traceback."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _cancelled_by_timeout(exception):
            return None
        logger.error(
            "Query cancelled after WEB_STATEMENT_TIMEOUT_SECONDS (%g s), answered 500: %s %s "
            "(query sent at %s): %s",
            settings.WEB_STATEMENT_TIMEOUT_SECONDS,
            request.method,
            request.path,
            _application_frame(exception),
            str(exception).strip(),
        )
        from storefront.api_errors import server_error  # the shop's handler500, page or JSON

        return server_error(request)
