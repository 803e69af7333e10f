"""A bulk load of purchases into a new copy of the table, put in the old one's place at the end.

Setting the purchase table's indexes and foreign keys aside (bulk_indexes) is the fast way to
load a large share of it, but it locks: dropping an index locks the table, and dropping a foreign
key also locks the table it refers to (ACCESS EXCLUSIVE on the articles and the customers), both
until commit, so every page would wait for the whole import. Instead the load fills a fresh
table beside the one pages keep reading (the rows it keeps, then the file), builds its indexes
and keys there, and in the last moments of the transaction the two swap names. Renaming locks
only the purchase tables, and only from the swap to the commit.

The replaced table loses its foreign keys at the swap (which holds the articles and customers for
the milliseconds to the commit) and is dropped after the commit (`drop_replaced`), in a
transaction of its own; one left behind by a crash between the two holds nothing up and is
dropped by the next import.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg

from catalog.importer import bulk_indexes

INCOMING_SUFFIX = "_incoming"
REPLACED_SUFFIX = "_replaced_"
# How long one try to take the swap's locks may hold the queue of readers behind it.
LOCK_WAIT_SECONDS = 1


@dataclass
class Swap:
    table: str
    incoming: str
    # (final name, CREATE statement on the incoming table under a temporary name, temporary name)
    indexes: list[tuple[str, str, str]] = field(default_factory=list)
    primary_key: tuple[str, str] | None = None  # (name, definition)
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)
    # Foreign keys whose columns the loader looked up for every new row itself.
    checked: set[str] = field(default_factory=set)


def can_swap(cursor: Any, table: str) -> bool:
    """Whether the table can be replaced by a copy: no other table refers to it (its keys would
    keep pointing at the old one), and its id is an identity column (a serial's sequence belongs
    to the old table, and the copy's default would still draw from it)."""
    cursor.execute(
        "SELECT attidentity <> '' FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'",
        [table],
    )
    identity = cursor.fetchone()
    return bool(identity and identity[0]) and not bulk_indexes.is_referenced(cursor, table)


def start(
    cursor: Any, table: str, kept_where: str | None, parameters: list[Any], *, checked_columns: set[str]
) -> Swap:
    """Creates the incoming table (columns, defaults, checks and identity as the table's) and fills
    it with the rows `kept_where` selects from the table (none when None)."""
    incoming = table + INCOMING_SUFFIX
    swap = Swap(table, incoming)
    cursor.execute(f"DROP TABLE IF EXISTS {incoming}")
    cursor.execute(
        f"CREATE TABLE {incoming} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        "INCLUDING IDENTITY INCLUDING STORAGE)"
    )
    if kept_where is not None:
        cursor.execute(f"INSERT INTO {incoming} SELECT * FROM {table} WHERE {kept_where}", parameters)
    for name, definition, kind, columns in bulk_indexes.constraints_of(cursor, table, ["p", "f"]):
        if kind == "p":
            swap.primary_key = (name, definition)
            continue
        swap.foreign_keys.append((name, definition))
        if set(columns) <= checked_columns:
            swap.checked.add(name)
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY 1",
        [table],
    )
    for position, (name, definition) in enumerate(cursor.fetchall()):
        temporary = f"{incoming}_index_{position}"
        on_incoming = re.sub(
            rf"^(CREATE (?:UNIQUE )?INDEX )\S+( ON (?:ONLY )?(?:\S+\.)?){table}( )",
            rf"\g<1>{temporary}\g<2>{incoming}\g<3>",
            definition,
        )
        swap.indexes.append((name, on_incoming, temporary))
    return swap


def build(cursor: Any, swap: Swap) -> None:
    """The incoming table's primary key, indexes and foreign keys, once its rows are in.

    Checked foreign keys (the loader looked up every new row's value; kept rows were checked when
    they were first written) are added NOT VALID, without a scan. Adding a foreign key takes SHARE
    ROW EXCLUSIVE on the table it refers to: writers of articles and customers wait for the
    commit, readers do not.
    """
    if swap.primary_key is not None:
        cursor.execute(
            f"ALTER TABLE {swap.incoming} ADD CONSTRAINT {swap.incoming}_pkey {swap.primary_key[1]}"
        )
    for _name, definition, _temporary in swap.indexes:
        cursor.execute(definition)
    for name, definition in swap.foreign_keys:
        bulk_indexes.add_foreign_key(cursor, swap.incoming, name, definition, checked=name in swap.checked)


def put_in_place(cursor: Any, swap: Swap, *, referenced: list[str]) -> None:
    """Renames the old table and its index, key and sequence names out of the way, and the incoming
    table's into them; drops the old table's foreign keys, so that what is left of it until
    `drop_replaced` holds nothing up. From here to the commit, the purchase tables and the tables
    in `referenced` (the ones its keys refer to) are held.

    The locks are taken first, each try giving up after LOCK_WAIT_SECONDS: a long reader (the
    collaborative job reads the whole table) would otherwise keep this waiting, and every page
    queued behind it, for as long as it reads. Between tries pages go on.
    """
    _lock_waiting_in_turns(cursor, [swap.table, *referenced])
    replaced = swap.table + REPLACED_SUFFIX + uuid.uuid4().hex[:8]
    sequence = _identity_sequence(cursor, swap.table)
    incoming_sequence = _identity_sequence(cursor, swap.incoming)
    bulk_indexes.run_deferred_checks(cursor)  # dropping the old keys alters the referenced tables
    for name, _definition in swap.foreign_keys:
        cursor.execute(f'ALTER TABLE {swap.table} DROP CONSTRAINT "{name}"')
    cursor.execute(f"ALTER TABLE {swap.table} RENAME TO {replaced}")
    if sequence and incoming_sequence:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {replaced}_id_seq")
    if swap.primary_key is not None:
        cursor.execute(f'ALTER TABLE {replaced} RENAME CONSTRAINT "{swap.primary_key[0]}" TO {replaced}_pkey')
    for position, (name, _definition, _temporary) in enumerate(swap.indexes):
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO {replaced}_index_{position}')
    cursor.execute(f"ALTER TABLE {swap.incoming} RENAME TO {swap.table}")
    if sequence and incoming_sequence:
        cursor.execute(f"ALTER SEQUENCE {incoming_sequence} RENAME TO {sequence.split('.')[-1]}")
    if swap.primary_key is not None:
        cursor.execute(
            f'ALTER TABLE {swap.table} RENAME CONSTRAINT {swap.incoming}_pkey TO "{swap.primary_key[0]}"'
        )
    for name, _definition, temporary in swap.indexes:
        cursor.execute(f'ALTER INDEX {temporary} RENAME TO "{name}"')


def _lock_waiting_in_turns(cursor: Any, tables: list[str]) -> None:
    while True:
        cursor.execute("SAVEPOINT table_swap_lock")
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'")
        try:
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            # A deadlock: a writer (a staff member's save) read a table before the load locked it
            # against writers, and now waits for the load while holding what the swap needs.
            # The web gives up such waits (storefront.db_locks), so the next try gets through.
            cursor.execute("ROLLBACK TO SAVEPOINT table_swap_lock")
            time.sleep(LOCK_WAIT_SECONDS)
            continue
        cursor.execute("SET LOCAL lock_timeout = 0")
        cursor.execute("RELEASE SAVEPOINT table_swap_lock")
        return


def drop_replaced(cursor: Any, table: str) -> int:
    """Drops every replaced copy of the table (outside the import's transaction). Returns how many."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE %s "
        "AND c.relnamespace = to_regnamespace(current_schema())::oid",
        [table + REPLACED_SUFFIX.replace("_", r"\_") + "%"],
    )
    names = [row[0] for row in cursor.fetchall()]
    for name in names:
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
    return len(names)


def _identity_sequence(cursor: Any, table: str) -> str | None:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    found = cursor.fetchone()
    return str(found[0]) if found and found[0] else None
