"""`/readyz`: whether this web process can serve the shop, for a load balancer or an orchestrator.

`/healthz` says only that the process answers (it asks nothing of anyone, and is the benchmarks'
baseline). A process whose database is gone answers it too, while every page it serves is a 500;
`/readyz` asks PostgreSQL for one row and answers 503 when it cannot, so that the process is taken
out of rotation instead. Redis is reported but never makes it 503: without Redis the pages still
render (the cache degrades to none, storefront.cache_backends) and only starting training runs
fails, so taking every web process out of rotation for it would take the whole shop down.

A process whose code has migrations the database has not applied (a deploy that started the new
code before `migrate`) is not ready either: its pages would fail on the columns it expects. Once
they are applied they stay so for this code, so the check is made until it passes, then no more.

The answer names the part that failed, not its error (hosts, database names): that goes to the log.
It answers anyone (as /healthz does), so that much is public: the README says how a proxy keeps it
to the load balancer.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from storefront.migration_state import unapplied_migrations

logger = logging.getLogger(__name__)

# A probe runs every few seconds: a Redis that does not answer in this long counts as down.
REDIS_TIMEOUT_SECONDS = 0.5


def database_answers() -> None:
    """Asks PostgreSQL for one row: a DatabaseError when it cannot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


_migrations_applied = False


def migrations_problem() -> str | None:
    """"N not applied" while this code has migrations the database lacks; a DatabaseError when
    the database cannot say."""
    global _migrations_applied
    if _migrations_applied:
        return None
    unapplied = unapplied_migrations()
    if unapplied:
        logger.error(
            "Readiness: %d migrations are not applied (run manage.py migrate): %s",
            len(unapplied),
            ", ".join(unapplied),
        )
        return f"{len(unapplied)} not applied"
    _migrations_applied = True
    return None


# One client per Redis URL for the process's life, its connection reused from probe to probe: a
# client made per probe opened (and closed) a connection every few seconds per web process.
_redis_clients: dict[str, redis.Redis] = {}


def redis_client(url: str) -> redis.Redis:
    client = _redis_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        # Two threads making one at once keep the first; the other's has opened no connection yet.
        client = _redis_clients.setdefault(url, client)
    return client


def redis_problem() -> str | None:
    if not settings.REDIS_URL:
        return None
    try:
        # A connection Redis dropped is noticed before the command is sent, and opened again.
        redis_client(settings.REDIS_URL).ping()
    except (redis.RedisError, OSError) as error:
        logger.warning("Readiness: Redis is unreachable (pages serve without it): %s", error)
        return "unreachable"
    return None


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    try:
        database_answers()
        migrations = migrations_problem()
        database = None
    except DatabaseError as error:
        # Caught around the migration plan's queries too: a database going away after SELECT 1
        # answered the busy page (HTML) to the probe.
        logger.error("Readiness: the database is unavailable: %s", error)
        database, migrations = "unavailable", "unknown"
    redis_state = redis_problem()
    ready = database is None and migrations is None
    body = {
        "ready": ready,
        "database": database or "ok",
        "migrations": migrations or "applied",
        # "not used": no REDIS_URL, tasks run in-process (the demo).
        "redis": redis_state or ("ok" if settings.REDIS_URL else "not used"),
    }
    return JsonResponse(body, status=200 if ready else 503)
