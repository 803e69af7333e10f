"""The commands that write to the database, on one that `manage.py migrate` has not (fully) prepared."""

import sqlite3

import pytest

from tests.catalog.hm_data import manage_on_sqlite


def test_an_unmigrated_database_is_told_to_migrate_first(hm_demo_dir, tmp_path):
    database = tmp_path / "new.sqlite3"
    result = manage_on_sqlite("import_hm", str(hm_demo_dir), "--no-images", database=database, media=tmp_path)
    assert result.returncode == 1
    assert "run manage.py migrate first" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_missing_one_migration_is_told_which(hm_demo_dir, migrated_sqlite, tmp_path):
    # As a database migrated before the erasure tombstones were added.
    with sqlite3.connect(migrated_sqlite) as db:
        db.execute("DROP TABLE accounts_erasedcustomer")
        db.execute("DELETE FROM django_migrations WHERE app = 'accounts' AND name = '0003_erasedcustomer'")
    result = manage_on_sqlite(
        "import_hm", str(hm_demo_dir), "--no-images", database=migrated_sqlite, media=tmp_path
    )
    assert result.returncode == 1
    assert "(accounts.0003_erasedcustomer): run manage.py migrate first" in result.stderr
    with sqlite3.connect(migrated_sqlite) as db:
        assert db.execute("SELECT count(*) FROM catalog_article").fetchone()[0] == 0


@pytest.mark.parametrize(
    "command",
    [["train", "trending", "--in-process"], ["create_demo_users"], ["remove_retired_photos"]],
    ids=lambda command: command[0],
)
def test_the_other_writing_commands_are_told_to_migrate_first_too(command, tmp_path):
    """They failed with the driver's traceback (no such table) instead."""
    result = manage_on_sqlite(*command, database=tmp_path / "new.sqlite3", media=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "run manage.py migrate first" in result.stderr
    assert "Traceback" not in result.stderr
