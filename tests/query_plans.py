"""What PostgreSQL plans for a query: tests that a page's query reads an index, not the table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def query_plan(query: Any, params: Sequence[Any] = (), *, switched_off: Iterable[str] = ()) -> str:
    """EXPLAIN of a queryset, or of SQL and its params. `switched_off`: planner methods ("seqscan",
    "sort", ...) turned off first, for the rest of the test's transaction (SET LOCAL)."""
    if not isinstance(query, str):
        query, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        for plan_kind in switched_off:
            cursor.execute(f"SET LOCAL enable_{plan_kind} = off")
        cursor.execute(f"EXPLAIN {query}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def analyze(*tables: str) -> None:
    """Fresh planner statistics for tables a test has just filled."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
