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
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A probe runs every few seconds: a Redis that does not answer in this long counts as down.
REDIS_TIMEOUT_SECONDS = 0.5


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("Readiness: the database is unavailable: %s", error)
        return "unavailable"
    return None


_migrations_applied = False


def migrations_problem() -> str | None:
    """"N not applied" while this code has migrations the database lacks (checked after the
    database answered)."""
    global _migrations_applied
    if _migrations_applied:
        return None
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        logger.error(
            "Readiness: %d migrations are not applied (run manage.py migrate): %s",
            len(unapplied),
            ", ".join(f"{migration.app_label}.{migration.name}" for migration, _backwards in unapplied),
        )
        return f"{len(unapplied)} not applied"
    _migrations_applied = True
    return None


def redis_problem() -> str | None:
    if not settings.REDIS_URL:
        return None
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        logger.warning("Readiness: Redis is unreachable (pages serve without it): %s", error)
        return "unreachable"
    finally:
        client.close()
    return None


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    database = database_problem()
    migrations = "unknown" if database else migrations_problem()
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
