"""The demo runs on SQLite: the same command imports there (Python parsing, batched upserts)."""

import contextlib
import sqlite3

import pytest
from PIL import Image

from tests.catalog.hm_data import copy_dataset, line_count, manage_on_sqlite, read_rows, set_field


def _counts(database):
    with sqlite3.connect(database) as db:
        return tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("catalog_article", "accounts_customer", "accounts_purchase")
        )


@pytest.fixture
def sqlite_shop(hm_demo_dir, migrated_sqlite, tmp_path):
    return migrated_sqlite, copy_dataset(hm_demo_dir, tmp_path / "hm"), tmp_path / "media"


def test_it_imports_into_sqlite_and_a_second_run_changes_nothing(sqlite_shop):
    database, data, media = sqlite_shop
    expected = tuple(
        line_count(data / name) - 1 for name in ("articles.csv", "customers.csv", "transactions_train.csv")
    )

    first = manage_on_sqlite("import_hm", str(data), database=database, media=media)
    assert first.returncode == 0, first.stderr
    assert _counts(database) == expected
    second = manage_on_sqlite("import_hm", str(data), database=database, media=media)

    assert second.returncode == 0, second.stderr
    assert _counts(database) == expected
    assert "articles.csv: 80 rows, 0 new or changed" in second.stdout
    with sqlite3.connect(database) as db:
        unpriced = db.execute(
            "SELECT count(*) FROM catalog_article a WHERE price IS NULL "
            "AND EXISTS (SELECT 1 FROM accounts_purchase p WHERE p.article_id = a.article_id)"
        ).fetchone()[0]
        thumbnails = db.execute(
            "SELECT count(*) FROM catalog_article WHERE image_thumbnail != ''"
        ).fetchone()[0]
    assert unpriced == 0
    assert thumbnails == expected[0]


def test_bad_input_on_sqlite_names_the_line_and_keeps_nothing(sqlite_shop):
    database, data, media = sqlite_shop
    set_field(data / "transactions_train.csv", 9, "t_dat", "22/09/2020")

    result = manage_on_sqlite("import_hm", str(data), "--no-images", database=database, media=media)

    assert result.returncode == 1
    assert (
        "transactions_train.csv, line 9, field t_dat: '22/09/2020' is not a date (YYYY-MM-DD)"
        in result.stderr
    )
    assert _counts(database)[2] == 0


@pytest.mark.parametrize(
    ("filename", "key", "bad_field", "bad_value"),
    [
        ("articles.csv", "article_id", "product_code", "x"),
        ("articles.csv", "article_id", "prod_name", "Über"),  # saved as Latin-1 below
        ("customers.csv", "customer_id", "age", "x"),
        ("customers.csv", "customer_id", "postal_code", "Über"),
    ],
)
def test_a_repeated_key_before_a_bad_value_is_named_first_on_sqlite(
    sqlite_shop, filename, key, bad_field, bad_value
):
    # As on PostgreSQL (tests/catalog/test_import_text.py): the earlier of the two bad rows. Bytes
    # that are not UTF-8 were named first when the decoder met them in the block it read ahead.
    database, data, media = sqlite_shop
    path = data / filename
    repeated = read_rows(path)[9][key]  # line 11
    set_field(path, 20, key, repeated)
    set_field(path, 25, bad_field, bad_value)
    if bad_value == "Über":
        path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))

    result = manage_on_sqlite("import_hm", str(data), "--no-images", database=database, media=media)

    assert result.returncode == 1
    assert f"{filename}, line 20, field {key}: {key} {repeated} appears more than once" in result.stderr


def test_an_article_id_of_more_than_ten_digits_is_refused_on_sqlite(sqlite_shop):
    database, data, media = sqlite_shop
    set_field(data / "articles.csv", 5, "article_id", "012345678901")

    result = manage_on_sqlite("import_hm", str(data), "--no-images", database=database, media=media)

    assert result.returncode == 1
    assert (
        "articles.csv, line 5, field article_id: 12345678901 is above 9999999999: "
        "H&M article ids have at most 10 digits" in result.stderr
    )
    assert _counts(database)[0] == 0


def test_a_purchase_of_an_article_id_of_more_than_ten_digits_is_refused_on_sqlite(sqlite_shop):
    database, data, media = sqlite_shop
    imported = manage_on_sqlite("import_hm", str(data), "--no-images", database=database, media=media)
    assert imported.returncode == 0, imported.stderr
    # An article with such an id stored before ids were checked: its purchases are refused all the same.
    with sqlite3.connect(database) as db:
        db.execute("CREATE TEMP TABLE long_id AS SELECT * FROM catalog_article LIMIT 1")
        db.execute("UPDATE long_id SET article_id = 12345678901, slug = 'long-id'")
        db.execute("INSERT INTO catalog_article SELECT * FROM long_id")
    purchases = _counts(database)[2]
    set_field(data / "transactions_train.csv", 9, "article_id", "12345678901")

    result = manage_on_sqlite("import_hm", str(data), "--no-images", database=database, media=media)

    assert result.returncode == 1
    assert (
        "transactions_train.csv, line 9, field article_id: 12345678901 is above 9999999999: "
        "H&M article ids have at most 10 digits" in result.stderr
    )
    assert _counts(database)[2] == purchases


def test_on_sqlite_a_replaced_photo_is_retired_and_removed_by_hand_after_its_grace(sqlite_shop):
    """The demo has no advisory locks and no beat (catalog.retired_photos): the command does it."""
    database, data, media = sqlite_shop
    assert manage_on_sqlite("import_hm", str(data), database=database, media=media).returncode == 0
    Image.new("RGB", (60, 90), "red").save(sorted((data / "images").rglob("*.jpg"))[0], "JPEG")
    second = manage_on_sqlite("import_hm", str(data), database=database, media=media)
    assert second.returncode == 0, second.stderr
    with sqlite3.connect(database) as db:
        retired = [path for (path,) in db.execute("SELECT path FROM catalog_retiredphoto ORDER BY path")]
    assert len(retired) == 2 and all((media / path).exists() for path in retired)

    within = manage_on_sqlite("remove_retired_photos", database=database, media=media)
    past = manage_on_sqlite(
        "remove_retired_photos", database=database, media=media, RETIRED_PHOTOS_GRACE_SECONDS="0"
    )

    assert within.stdout.splitlines() == ["0 retired photo files removed (retired over 24 hours ago)."]
    assert past.stdout.splitlines()[:2] == [f"removed {path}" for path in retired], past.stderr
    assert not any((media / path).exists() for path in retired)


def test_on_sqlite_the_hourly_sweep_task_skips_and_says_so(migrated_sqlite, tmp_path):
    """REDIS_URL set without DATABASE_URL runs beat beside uploads on SQLite, which has no lock to
    keep the sweep off a photo just written under a retired name: the task leaves it to the command."""
    path = "articles/091/0912345129-1a2b3c4d5e6f7a8b.jpg"
    media = tmp_path / "media"
    (media / path).parent.mkdir(parents=True)
    (media / path).write_bytes(b"photo")
    with contextlib.closing(sqlite3.connect(migrated_sqlite)) as db, db:
        db.execute(
            "INSERT INTO catalog_retiredphoto (path, retired_at) VALUES (?, '2020-01-01 00:00:00')", [path]
        )

    swept = manage_on_sqlite(
        "shell",
        "-c",
        "from workers import tasks; print(tasks.remove_retired_photos())",
        database=migrated_sqlite,
        media=media,
    )

    assert swept.returncode == 0, swept.stderr
    assert swept.stdout.splitlines()[-1] == "0"
    assert "Skipping the retired-photo sweep: the database is sqlite, not PostgreSQL" in swept.stderr
    assert (media / path).exists()
