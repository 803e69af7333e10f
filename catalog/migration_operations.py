"""Migration operations that change PostgreSQL only.

SQLite (the zero-setup demo) cannot build the listing indexes' NULLS LAST, and it alters a column
by rebuilding the table with every index of the model, those included; its small catalogue sorts
quickly without them. The migration state changes on both, so later migrations see one model.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


class PostgreSQLOnly:
    """Mixed into a migration operation: its database change runs on PostgreSQL only."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]


class AddIndexOnPostgreSQL(PostgreSQLOnly, migrations.AddIndex):
    pass


class AlterFieldOnPostgreSQL(PostgreSQLOnly, migrations.AlterField):
    pass
