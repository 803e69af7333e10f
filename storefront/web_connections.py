"""What the web server's own database connections do differently from every other process.

Two settings, for web requests only (storefront/wsgi.py and storefront/asgi.py call `install`):

- a short lock timeout (storefront.db_locks): a save during an import answers "busy";
- no JIT compilation. PostgreSQL compiles a query to machine code when its estimated cost is
  high, which the planner's estimates for deep listing and admin pages are: at H&M scale the
  compilation alone took 1.4-5.9 s of such requests (1,346 ms of a 1.5 s purchase admin page),
  while the query it sped up ran for milliseconds. A web request's queries are short by design,
  so compiling never pays for itself there. Imports, training jobs and migrations keep JIT: their
  long aggregations over millions of rows are what it is for.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created

from storefront import db_locks

DISPATCH_UID = "storefront.web_connections"


def configure(sender: Any = None, connection: Any = None, **_kwargs: Any) -> None:
    """connection_created receiver: both settings, in one round trip."""
    if connection is None or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {db_locks.lock_timeout_ms()}; SET jit = off")


def install() -> None:
    """Configure every database connection this process opens from now on as a web server's."""
    connection_created.connect(configure, dispatch_uid=DISPATCH_UID)
