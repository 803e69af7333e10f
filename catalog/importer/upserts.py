"""INSERT ... ON CONFLICT statements that leave unchanged rows alone (PostgreSQL and SQLite).

Skipping rows whose values are already stored keeps re-imports cheap and writes nothing, which is
what makes running the importer twice on the same files a no-op.
"""

from __future__ import annotations


def upsert_statement(
    *, table: str, columns: list[str], source: str, key: str, updated: list[str], vendor: str
) -> str:
    """`source` is a `SELECT ...` (PostgreSQL) or `VALUES (...)` producing `columns` in order."""
    excluded = "EXCLUDED" if vendor == "postgresql" else "excluded"
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    assignments = ", ".join(f"{column} = {excluded}.{column}" for column in updated)
    stored = ", ".join(f"{table}.{column}" for column in updated)
    incoming = ", ".join(f"{excluded}.{column}" for column in updated)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source} "
        f"ON CONFLICT ({key}) DO UPDATE SET {assignments} "
        f"WHERE ({stored}) {distinct} ({incoming})"
    )
