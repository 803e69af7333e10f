import contextlib
import sqlite3

import pytest

from catalog.services import article_refresh_search_vectors
from tests.factories import ArticleFactory

MENSWEAR = {
    "index_group_no": 3,
    "index_group_name": "Menswear",
    "index_code": "F",
    "index_name": "Menswear",
    "section_no": 21,
    "section_name": "Men Suits & Tailoring",
    "product_group_name": "Garment Lower body",
    "product_type_no": 272,
    "product_type_name": "Trousers",
    "garment_group_no": 1009,
    "garment_group_name": "Trousers",
    "department_no": 7616,
    "department_name": "Trousers",
}


@pytest.fixture
def media(settings, tmp_path):
    """A private MEDIA_ROOT for the test's photo files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def menswear_trousers():
    """Build a Menswear article (its own index group, section, product group and type)."""

    def build(**fields):
        return ArticleFactory(**{**MENSWEAR, **fields})

    return build


@pytest.fixture
def searchable():
    """Fill the full-text documents of every article created so far (the importer does it for real)."""
    return article_refresh_search_vectors


@pytest.fixture(scope="session")
def hm_demo_dir(tmp_path_factory):
    """A small generated data set in the Kaggle layout (with photos), shared by the importer tests."""
    from tests.catalog.hm_data import generate

    return generate(tmp_path_factory.mktemp("hm") / "demo", articles=80, customers=200, weeks=4, seed=3)


@pytest.fixture
def hm_files(hm_demo_dir, tmp_path, settings):
    """A private copy of the small data set to damage, and a private MEDIA_ROOT for its photos."""
    from tests.catalog.hm_data import copy_dataset

    settings.MEDIA_ROOT = tmp_path / "media"
    return copy_dataset(hm_demo_dir, tmp_path / "hm")


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory):
    """An empty demo database on SQLite with every migration applied, once per session: each
    test's own `manage.py migrate` took 3 s. Tests take a copy (`migrated_sqlite`)."""
    from tests.catalog.hm_data import manage_on_sqlite

    folder = tmp_path_factory.mktemp("sqlite")
    database = folder / "migrated.sqlite3"
    migrated = manage_on_sqlite("migrate", "--no-input", database=database, media=folder / "media")
    assert migrated.returncode == 0, migrated.stderr
    return database


@pytest.fixture
def migrated_sqlite(migrated_sqlite_file, tmp_path):
    """A private copy of the migrated database, tmp_path/demo.sqlite3 (SQLite's own backup copy)."""
    database = tmp_path / "demo.sqlite3"
    with (
        contextlib.closing(sqlite3.connect(migrated_sqlite_file)) as source,
        contextlib.closing(sqlite3.connect(database)) as target,
    ):
        source.backup(target)
    return database
