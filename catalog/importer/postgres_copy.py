"""PostgreSQL COPY: typed staging tables, streaming a file in, and turning COPY errors into ours.

The server parses and checks every value while the file streams in (types, lengths, blanks and
ranges are column types and constraints on the staging table), so Python touches bytes only.
COPY's error context names the line and the column; we translate that back to the csv's names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection

from catalog.importer.csv_files import parsed_rows, raw_chunks, row_end_line, text_error
from catalog.importer.csv_quotes import QuoteCheck
from catalog.importer.errors import ImportInputError
from catalog.importer.schema import Column, FileSchema, Kind
from catalog.progress import Advance

# Session settings for the import's transaction: hashes, sorts and index builds over millions of
# rows stay in memory instead of spilling to disk (the defaults, 4MB/64MB, are for web queries).
# 1GB lets the (customer, date) index over H&M's 31.8M purchases sort in memory.
IMPORT_WORK_MEM = "256MB"
IMPORT_MAINTENANCE_WORK_MEM = "1GB"


def raw_cursor() -> Any:
    """The psycopg cursor under Django's connection (for COPY); the caller holds a transaction."""
    connection.ensure_connection()
    return connection.connection.cursor()


def tune_session(cursor: Any) -> None:
    cursor.execute(f"SET LOCAL work_mem = '{IMPORT_WORK_MEM}'")
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{IMPORT_MAINTENANCE_WORK_MEM}'")


def create_staging_table(cursor: Any, table: str, columns: Iterable[Column]) -> None:
    definitions = []
    for column in columns:
        # Text is staged as text with its length checked: varchar(n) would quietly drop spaces
        # past n characters instead of refusing the value, as the SQLite path does.
        definition = f"{column.field} {column.kind.value}"
        if column.required:
            definition += " NOT NULL"
        check = _range_check(column)
        if check:
            # Named after the csv column, so that a violation names the field.
            definition += f' CONSTRAINT "{column.name}" CHECK ({check})'
        definitions.append(definition)
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
    cursor.execute(f"CREATE TEMP TABLE {table} ({', '.join(definitions)}) ON COMMIT DROP")


def _range_check(column: Column) -> str:
    if column.kind is Kind.TEXT:
        return f"char_length({column.field}) <= {column.max_length}" if column.max_length else ""
    parts = []
    if column.kind is Kind.FLOAT:
        # NaN sorts above Infinity in PostgreSQL, so this also rejects NaN.
        parts.append(f"{column.field} > '-Infinity' AND {column.field} < 'Infinity'")
    if column.min_value is not None:
        parts.append(f"{column.field} >= {column.min_value}")
    if column.max_value is not None:
        parts.append(f"{column.field} <= {column.max_value}")
    return " AND ".join(parts)


def copy_file(
    cursor: Any, table: str, columns: list[Column], path: Path, schema: FileSchema, advance: Advance
) -> int:
    """Streams the whole file (header included, so COPY's line numbers are the file's) into table."""
    statement = (
        f"COPY {table} ({', '.join(column.field for column in columns)}) "
        "FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8', "
        # A quoted empty field ("") is blank too, as Python's csv reader (the SQLite path) reads it.
        f"FORCE_NULL ({', '.join(column.field for column in columns)}))"
    )
    try:
        with cursor.copy(statement) as copy:
            for chunk in raw_chunks(path, advance, QuoteCheck(schema, columns)):
                copy.write(chunk)
    except (psycopg.errors.CharacterNotInRepertoire, psycopg.errors.UntranslatableCharacter):
        # COPY names the line it had read up to, not the field, and says a NUL is bad UTF-8.
        raise first_row_error(path, schema, columns, text_error(path, schema, columns)) from None
    except psycopg.Error as error:
        raise first_row_error(path, schema, columns, copy_error(error, schema, columns)) from None
    except ImportInputError as error:  # the quotes, checked a chunk ahead of COPY
        raise first_row_error(path, schema, columns, error) from None
    return int(cursor.rowcount)


def first_row_error(
    path: Path, schema: FileSchema, columns: list[Column], found: ImportInputError
) -> ImportInputError:
    """The first bad row and field as the SQLite path names them, when they come no later than `found`.

    COPY converts a row's values before it counts them: a row that lost a field stops at the first
    shifted value ("'Dress' is not a whole number") where the SQLite path says "has 24 fields,
    expected 25"; the quotes are checked a chunk ahead of the values; and a repeated key is found
    only once the whole file is in, where the SQLite path stops at the repeat. Read again up to
    the line in Python, on this error path only.
    """
    if found.line is None:
        return found
    try:
        for line, _values in parsed_rows(path, schema, columns):
            if line >= found.line:
                break
    except ImportInputError as earlier:
        if earlier.line is not None and (earlier.line, earlier.field) != (found.line, found.field):
            return earlier if earlier.line <= found.line else found
    return found


def is_empty(cursor: Any, table: str) -> bool:
    cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")
    return bool(cursor.fetchone()[0])


def first_duplicate(cursor: Any, table: str, key: str, path: Path) -> tuple[int, Any] | None:
    """(file line, value) of the first row repeating an earlier row's key in a staging table.

    Checked before every upsert: ON CONFLICT DO UPDATE fails on a repeated key only when both rows
    would change a stored one, so a file listing a customer twice was otherwise accepted or refused
    depending on what the table held. One hash aggregate answers whether any key repeats; only
    then are rows numbered. A freshly filled staging table holds rows in COPY order, so ctid order
    is file order; the file tells on which line that row ends (quoted fields may hold line breaks).
    """
    cursor.execute(f"SELECT EXISTS (SELECT FROM {table} GROUP BY {key} HAVING count(*) > 1)")
    if not cursor.fetchone()[0]:
        return None
    cursor.execute(
        f"""
        SELECT line, {key} FROM (
            SELECT {key}, row_number() OVER (ORDER BY ctid) AS line,
                   row_number() OVER (PARTITION BY {key} ORDER BY ctid) AS occurrence
            FROM {table}) numbered
        WHERE occurrence = 2 ORDER BY line LIMIT 1
        """
    )
    found = cursor.fetchone()
    return (row_end_line(path, int(found[0])), found[1]) if found else None


_CONTEXT = re.compile(r"line (?P<line>\d+)(?:, column (?P<column>\w+))?(?:: \"(?P<value>.*)\")?", re.DOTALL)
_MISSING_COLUMN = re.compile(r'missing data for column "(?P<column>\w+)"')
_KIND_WORDS = {
    Kind.INTEGER: "a whole number",
    Kind.BIGINT: "a whole number",
    Kind.WHOLE_NUMBER: "a number",
    Kind.FLOAT: "a number",
    Kind.DATE: "a date (YYYY-MM-DD)",
    Kind.TEXT: "text",
}


def copy_error(
    error: psycopg.Error, schema: FileSchema, columns: list[Column], *, line_offset: int = 0
) -> ImportInputError:
    """Our error for a COPY failure: file, line and field from COPY's context, in the csv's words.

    line_offset: what to add to COPY's line number to get the file's (1 for binary rows, which
    COPY counts from the first data row).
    """
    diag = error.diag
    primary = diag.message_primary or str(error)
    context = _CONTEXT.search(diag.context or "")
    line = int(context["line"]) + line_offset if context else None
    if isinstance(error, psycopg.errors.BadCopyFileFormat) and context and context["value"] == "":
        # COPY quotes the whole line when no column is to blame: here, none at all.
        return ImportInputError(schema.filename, "is an empty line", line=line)
    by_field = {column.field: column for column in columns}
    by_name = {column.name: column for column in columns}
    column: Column | None = None
    for candidate in (
        context["column"] if context else None,
        diag.column_name,
        (_MISSING_COLUMN.search(primary) or {"column": None})["column"],
    ):
        if candidate in by_field:
            column = by_field[candidate]
            break
    if column is None and diag.constraint_name:
        # Staging tables name checks after the csv column; the models' checks contain the field name.
        column = by_name.get(diag.constraint_name) or next(
            (c for c in sorted(columns, key=lambda c: -len(c.field)) if c.field in diag.constraint_name), None
        )
    problem = _describe(error, primary, column, context["value"] if context and context["column"] else None)
    return ImportInputError(schema.filename, problem, line=line, field=column.name if column else None)


def _describe(error: psycopg.Error, primary: str, column: Column | None, value: str | None) -> str:
    errors = psycopg.errors
    if isinstance(error, errors.NotNullViolation):
        return "is empty"
    if isinstance(error, errors.CheckViolation | errors.StringDataRightTruncation) and column is not None:
        if column.kind is Kind.TEXT:
            return f"is longer than {column.max_length} characters"
        note = f": {column.range_note}" if column.range_note else ""
        return f"is out of range ({_range_words(column)}){note}"
    if isinstance(error, errors.UniqueViolation | errors.CardinalityViolation):
        return "appears more than once in the file"
    if isinstance(error, errors.CharacterNotInRepertoire | errors.UntranslatableCharacter):
        return "is not valid UTF-8 text"
    if value is not None and column is not None:
        if isinstance(error, errors.NumericValueOutOfRange):
            return f"{value!r} is out of range ({primary})"
        if isinstance(error, errors.InvalidDatetimeFormat | errors.DatetimeFieldOverflow):
            return f"{value!r} is not a date (YYYY-MM-DD)"
        return f"{value!r} is not {_KIND_WORDS[column.kind]}"
    if isinstance(error, errors.BadCopyFileFormat):
        return f"is not a valid csv row: {primary}"
    return primary


def _range_words(column: Column) -> str:
    words = []
    if column.min_value is not None:
        words.append(f"at least {column.min_value}")
    if column.max_value is not None:
        words.append(f"at most {column.max_value}")
    if column.kind is Kind.FLOAT:
        words.append("finite")
    return ", ".join(words)
