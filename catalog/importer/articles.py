"""articles.csv → catalog.Article: upserted, with slugs and (on PostgreSQL) the search document."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from catalog.importer import bulk_indexes, postgres_copy
from catalog.importer.csv_files import estimate_rows, parsed_rows, read_header
from catalog.importer.errors import ImportInputError
from catalog.importer.report import FileReport
from catalog.importer.schema import ARTICLES
from catalog.importer.upserts import upsert_statement
from catalog.models import Article
from catalog.progress import Progress
from catalog.search import SEARCH_DOCUMENT_SQL
from storefront.plurals import counted

TABLE = Article._meta.db_table
STAGING = "hm_import_articles"
SLUGS = "hm_import_article_slugs"
FIELDS = [column.field for column in ARTICLES.columns]
# Columns the shop derives; on insert they start empty, on update the importer leaves images alone.
DERIVED_ON_INSERT = ["slug", "image", "image_thumbnail", "image_sha256", "popularity"]
SQLITE_BATCH = 2_000
# An import never deletes articles: purchases refer to those that sold, and a file that leaves
# some out (a partial export, last season's list) must not take the shop's pages with it.
KEPT_REASON = "an import deletes no article: take one off sale in the admin to hide it"


def import_articles(path: Path, *, progress: Progress) -> FileReport:
    started = time.monotonic()
    columns = read_header(path, ARTICLES)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            rows, changed = _load_postgres(path, columns, progress)
        else:
            rows, changed = _load_sqlite(path, columns, progress)
        # Every row of the file is in the table now (a repeated id is an error): the rest are not in it.
        not_in_file = Article.objects.count() - rows
    kept = f"kept {counted(not_in_file, 'article')} not in this file ({KEPT_REASON})"
    notes = [kept] if not_in_file else []
    return FileReport(
        ARTICLES.filename, rows=rows, changed=changed, seconds=time.monotonic() - started, notes=notes
    )


def _slug(prod_name: str, colour_group_name: str) -> str:
    # The model's own rule, on a bare instance: Model.__init__ (defaults for 35 fields) would cost
    # more than the slug itself, and make_slug reads only these two fields.
    article = Article.__new__(Article)
    article.prod_name, article.colour_group_name = prod_name, colour_group_name
    return article.make_slug()


def _load_postgres(path: Path, columns: list[Any], progress: Progress) -> tuple[int, int]:
    cursor = postgres_copy.raw_cursor()
    postgres_copy.tune_session(cursor)
    postgres_copy.create_staging_table(cursor, STAGING, ARTICLES.columns)
    with progress.bar(ARTICLES.filename, total=estimate_rows(path)) as advance:
        rows = postgres_copy.copy_file(cursor, STAGING, columns, path, ARTICLES, advance)
    duplicate = _duplicate_error(cursor, path)
    if duplicate is not None:
        raise duplicate

    # Slugs come from the model's own method, computed once per distinct (name, colour).
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{SLUGS}")
    # Named apart from the staging table's columns, which the search document refers to.
    cursor.execute(f"CREATE TEMP TABLE {SLUGS} (name text, colour text, slug text) ON COMMIT DROP")
    cursor.execute(f"SELECT DISTINCT prod_name, colour_group_name FROM {STAGING}")
    pairs = cursor.fetchall()
    with cursor.copy(f"COPY {SLUGS} (name, colour, slug) FROM STDIN") as copy:
        for prod_name, colour in pairs:
            copy.write_row((prod_name, colour, _slug(prod_name, colour)))

    values = [f"coalesce(s.{field}, '')" if field == "detail_desc" else f"s.{field}" for field in FIELDS]
    source = (
        f"SELECT {', '.join(values)}, sl.slug, '', '', '', 0, {SEARCH_DOCUMENT_SQL} "
        f"FROM {STAGING} s JOIN {SLUGS} sl ON sl.name = s.prod_name AND sl.colour = s.colour_group_name"
    )
    statement = upsert_statement(
        table=TABLE,
        columns=[*FIELDS, *DERIVED_ON_INSERT, "search_vector"],
        source=source,
        key="article_id",
        updated=[*FIELDS[1:], "slug", "search_vector"],
        vendor="postgresql",
    )
    # Twelve indexes (the search document's GIN and the photo paths' among them): rebuilt once beat
    # maintained row by row.
    with bulk_indexes.rebuilt_after(
        cursor, TABLE, bulk_indexes.new_keys(cursor, STAGING, TABLE, "article_id")
    ):
        cursor.execute(statement)
        changed = int(cursor.rowcount)
    cursor.execute(f"ANALYZE {TABLE}")
    return rows, changed


def _duplicate_error(cursor: Any, path: Path) -> ImportInputError | None:
    found = postgres_copy.first_duplicate(cursor, STAGING, "article_id", path)
    if found is None:
        return None
    line, article_id = found
    return ARTICLES.duplicate_error(article_id, line)


def _load_sqlite(path: Path, columns: list[Any], progress: Progress) -> tuple[int, int]:
    placeholders = ", ".join(["%s"] * (len(FIELDS) + len(DERIVED_ON_INSERT)))
    statement = upsert_statement(
        table=TABLE,
        columns=[*FIELDS, *DERIVED_ON_INSERT],
        source=f"VALUES ({placeholders})",
        key="article_id",
        updated=[*FIELDS[1:], "slug"],
        vendor="sqlite",
    )
    slugs: dict[tuple[str, str], str] = {}
    rows = changed = 0
    batch: list[list[object]] = []
    with connection.cursor() as cursor, progress.bar(ARTICLES.filename, total=estimate_rows(path)) as advance:
        for _line, values in parsed_rows(path, ARTICLES, columns):
            values["detail_desc"] = values["detail_desc"] or ""
            key = (str(values["prod_name"]), str(values["colour_group_name"]))
            if key not in slugs:
                slugs[key] = _slug(*key)
            batch.append([*(values[field] for field in FIELDS), slugs[key], "", "", "", 0.0])
            if len(batch) >= SQLITE_BATCH:
                changed += _execute_batch(cursor, statement, batch)
                rows += len(batch)
                advance(len(batch))
                batch = []
        changed += _execute_batch(cursor, statement, batch)
        rows += len(batch)
        advance(len(batch))
    return rows, changed


def _execute_batch(cursor: Any, statement: str, batch: list[list[object]]) -> int:
    if not batch:
        return 0
    cursor.executemany(statement, batch)
    return max(int(cursor.rowcount), 0)
