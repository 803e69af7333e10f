"""Customers erased at their request stay out: their rows in customers.csv and transactions_train.csv
are skipped, so that importing the same files again does not bring them back.

Erasure (accounts.services.customer_erase) leaves a tombstone, accounts.ErasedCustomer, holding a
SHA-256 of the H&M customer_id. Staged customers are matched in SQL, one hash per staged row and
only when tombstones exist; purchases never reach a staging table (purchase_rows converts them
straight to COPY rows), so the converter hashes only the ids it does not know as customers, the
rows that would otherwise stop the import as unknown.

On PostgreSQL an import holds the tombstones (SHARE) until it commits: an erasure committed in
between would otherwise be undone by the import writing the person back. Erasures wait for it.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from accounts.models import ErasedCustomer
from storefront.plurals import counted

TABLE = ErasedCustomer._meta.db_table


def _hold(cursor: Any) -> None:
    cursor.execute(f"LOCK TABLE {TABLE} IN SHARE MODE")


def drop_staged(cursor: Any, staging: str, column: str) -> int:
    """Deletes erased customers' rows from a PostgreSQL staging table. Returns how many."""
    _hold(cursor)
    cursor.execute(f"SELECT EXISTS (SELECT FROM {TABLE})")
    if not cursor.fetchone()[0]:
        return 0
    # The same digest as ErasedCustomer.digest_of: hex SHA-256 of the id's UTF-8 text.
    cursor.execute(
        f"DELETE FROM {staging} WHERE encode(sha256(convert_to({column}, 'UTF8')), 'hex') "
        f"IN (SELECT customer_id_sha256 FROM {TABLE})"
    )
    return int(cursor.rowcount)


def digests(cursor: Any) -> frozenset[str]:
    """Every tombstone's digest, for the paths that look rows up in Python (usually none)."""
    if connection.vendor == "postgresql":
        _hold(cursor)
    cursor.execute(f"SELECT customer_id_sha256 FROM {TABLE}")
    return frozenset(row[0] for row in cursor.fetchall())


def is_erased(customer_id: str | bytes, erased: frozenset[str]) -> bool:
    return bool(erased) and ErasedCustomer.digest_of(customer_id) in erased


def skipped_note(count: int, singular: str, plural: str) -> list[str]:
    """The report's note on what was skipped; none when nothing was."""
    return [f"skipped {counted(count, singular, plural)}"] if count else []
