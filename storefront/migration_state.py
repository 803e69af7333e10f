"""Which migrations this code has that the database lacks: the readiness probe and the commands
that write to the database (import_hm, train, create_demo_users, remove_retired_photos) refuse to
go on while there are any."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations() -> list[str]:
    """The migrations not yet applied to the default database, as app_label.name, in the order
    `migrate` would apply them. A DatabaseError when the database cannot say."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def refuse_unmigrated_database() -> None:
    """CommandError naming the migrations the database lacks, for a command about to use it: a
    table or column the code expects but the database lacks failed deep in the command's work, with
    the driver's traceback (no such table), after an import had read its first files."""
    unapplied = unapplied_migrations()
    if unapplied:
        raise CommandError(
            f"The database lacks {len(unapplied)} migration(s) ({', '.join(unapplied[:3])}"
            f"{', ...' if len(unapplied) > 3 else ''}): run manage.py migrate first."
        )
