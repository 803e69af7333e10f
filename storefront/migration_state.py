"""Which migrations this code has that the database lacks: the readiness probe and the commands
that write to the database (import_hm) refuse to go on while there are any."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations() -> list[str]:
    """The migrations not yet applied to the default database, as app_label.name, in the order
    `migrate` would apply them. A DatabaseError when the database cannot say."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
