"""Reading the H&M csv files: the header check, raw chunks for COPY, parsed rows for SQLite."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from catalog.importer.csv_quotes import QuoteCheck
from catalog.importer.errors import ImportInputError
from catalog.importer.schema import NUL_PROBLEM, Column, FileSchema
from catalog.progress import Advance

# Big enough that per-chunk overhead vanishes, small enough that memory stays flat.
CHUNK_BYTES = 1 << 20
_HEADER_LIMIT = 1 << 16
# As Excel for Mac's "CSV (Macintosh)" saves a file.
CARRIAGE_RETURN_LINES = (
    "its lines end in a carriage return alone (as old Mac spreadsheets save csv): save it with "
    "Windows or Unix line ends"
)
# PostgreSQL's COPY words these so; the SQLite path and the line-by-line transactions path say the same.
UNQUOTED_CARRIAGE_RETURN = "is not a valid csv row: unquoted carriage return found in data"
UNQUOTED_NEWLINE = "is not a valid csv row: unquoted newline found in data"


def read_header(path: Path, schema: FileSchema) -> list[Column]:
    """Checks line 1 against the layout; returns the file's columns in the file's order.

    Columns may come in any order (COPY and the SQLite path both map by name), but every column
    of the layout must be present, once, and nothing else.
    """
    with path.open("rb") as handle:
        first = handle.readline(_HEADER_LIMIT)
    if b"\r" in first.removesuffix(b"\n").removesuffix(b"\r"):
        problem = UNQUOTED_CARRIAGE_RETURN if first.endswith(b"\n") else CARRIAGE_RETURN_LINES
        raise ImportInputError(schema.filename, problem, line=1)
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportInputError(schema.filename, "the header is not UTF-8 text", line=1) from None
    names = [name.strip() for name in next(csv.reader([text]), [])]
    expected = schema.header
    missing = [name for name in expected if name not in names]
    unexpected = [name for name in names if name not in expected]
    if missing:
        found = f" (found {', '.join(repr(name) for name in unexpected)} instead)" if unexpected else ""
        raise ImportInputError(
            schema.filename,
            f"column {missing[0]!r} is missing{found}; expected the columns {', '.join(expected)}",
            line=1,
            field=missing[0],
        )
    if unexpected:
        raise ImportInputError(schema.filename, "unexpected column", line=1, field=unexpected[0])
    duplicated = next((name for name in names if names.count(name) > 1), None)
    if duplicated is not None:
        raise ImportInputError(schema.filename, "column appears twice", line=1, field=duplicated)
    return [schema.column(name) for name in names]


def estimate_rows(path: Path) -> int:
    """Rows in a file, estimated from its size and its first megabyte (for progress bars)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(CHUNK_BYTES)
    lines = sample.count(b"\n")
    if lines <= 1 or len(sample) >= size:
        return max(lines - 1, 0)
    return int(size / (len(sample) / lines)) - 1


def content_end(path: Path) -> int:
    """Where the file's rows end: after the last row's line break, before any blank lines that
    editors and exports leave at the end of a file (which are no rows, and no error)."""
    with path.open("rb") as handle:
        end = handle.seek(0, io.SEEK_END)
        while end:
            start = max(0, end - CHUNK_BYTES)
            handle.seek(start)
            kept = handle.read(end - start).rstrip(b"\r\n")
            if kept:
                end = start + len(kept)
                handle.seek(end)
                return end + len(_line_break(handle.read(2)))
            end = start
    return 0


def _line_break(after: bytes) -> bytes:
    return b"\r\n" if after.startswith(b"\r\n") else after[:1] if after[:1] in (b"\n", b"\r") else b""


def _chunks(handle: io.BufferedReader, end: int) -> Iterator[bytes]:
    while (left := end - handle.tell()) > 0 and (chunk := handle.read(min(CHUNK_BYTES, left))):
        yield chunk


def raw_chunks(path: Path, advance: Advance, quotes: QuoteCheck) -> Iterator[bytes]:
    """The file's bytes up to its content's end (header included), in chunks, their quotes checked
    before COPY reads them; advances the progress bar by rows read."""
    end = content_end(path)
    with path.open("rb") as handle:
        header_pending = True
        tail = b""  # the last line so far, when it goes on in the next chunk
        for chunk in _chunks(handle, end):
            rows = chunk.count(b"\n")
            tail = _check_quotes(quotes, tail, chunk, rows)
            if header_pending and rows:
                rows -= 1
                header_pending = False
            advance(rows)
            yield chunk
        if tail:
            quotes.check(tail)
        quotes.finish()


def _check_quotes(quotes: QuoteCheck, tail: bytes, chunk: bytes, rows: int) -> bytes:
    """Checks the chunk's whole lines (the first one begins in `tail`); returns the new tail."""
    cut = chunk.rfind(b"\n") + 1
    if quotes.opened is None and b'"' not in chunk and b'"' not in tail:
        quotes.skip(rows)  # a memchr over the chunk: customers.csv has no quotes at all
    else:
        for line in (tail + chunk[:cut]).split(b"\n")[:-1]:
            quotes.check(line + b"\n")
    return chunk[cut:] if cut else tail + chunk


def line_blocks(path: Path) -> Iterator[tuple[int, bytes]]:
    """(number of the block's first line, whole lines) after the header; every block ends in \\n."""
    end = content_end(path)
    with path.open("rb") as handle:
        handle.readline()
        line_no, rest = 2, b""
        for data in _chunks(handle, end):
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut:
                block, rest = data[:cut], data[cut:]
                yield line_no, block
                line_no += block.count(b"\n")
            else:
                rest = data
        if rest:
            yield line_no, rest + b"\n"


def parsed_rows(
    path: Path, schema: FileSchema, columns: list[Column]
) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, {field: value}) for every row, values parsed and checked in Python (SQLite path);
    a row repeating an earlier row's key (schema.key) is an error, as on the PostgreSQL path."""
    seen: set[object] = set()
    for line, values in _rows_in_order(path, schema, columns):
        if schema.key is not None:
            if values[schema.key] in seen:
                raise schema.duplicate_error(values[schema.key], line)
            seen.add(values[schema.key])
        yield line, values


def _rows_in_order(
    path: Path, schema: FileSchema, columns: list[Column]
) -> Iterator[tuple[int, dict[str, object]]]:
    given = 1  # the line of the last row given (1: the header)
    try:
        for given, values in _parsed_rows(path, schema, columns, bytes_kept=False):
            yield given, values
    except UnicodeDecodeError:
        # The decoder reads a block ahead of the csv reader: the rows before the bad bytes are not
        # given yet, nor is it known which field holds them. Read again, the bytes kept as they
        # are, give the rows after the last one given, and stop at the first bad row, whatever is
        # wrong with it (a repeated key in the rows before it comes first too).
        for line, values in _parsed_rows(path, schema, columns, bytes_kept=True):
            if line > given:
                yield line, values
        raise ImportInputError(schema.filename, "is not UTF-8 text") from None  # not in a row


def _parsed_rows(
    path: Path, schema: FileSchema, columns: list[Column], *, bytes_kept: bool
) -> Iterator[tuple[int, dict[str, object]]]:
    errors = "surrogateescape" if bytes_kept else "strict"
    with path.open("r", encoding="utf-8-sig", errors=errors, newline="") as handle:
        reader = csv.reader(_quotes_checked(handle, QuoteCheck(schema, columns)))
        line = 1
        blank: int | None = None
        try:
            next(reader)
            for row in reader:
                first_line, line = line + 1, reader.line_num
                if not row:  # blank lines at the end only, where the PostgreSQL path stops reading too
                    blank = blank or line
                    continue
                if blank is not None:
                    raise ImportInputError(schema.filename, "is an empty line", line=blank)
                if bytes_kept and (bad_text := _fields_text_error(schema, columns, row, first_line)):
                    raise bad_text
                if not schema.line_breaks:
                    broken = next((i for i, value in enumerate(row) if "\r" in value or "\n" in value), None)
                    if broken is not None:
                        raise line_break_error(schema, columns, first_line, broken)
                yield line, parse_row(schema, columns, row, line)
        except csv.Error as error:
            raise ImportInputError(
                schema.filename, f"is not valid csv ({error})", line=reader.line_num
            ) from None


def row_end_line(path: Path, row: int) -> int:
    """The line on which a file's row-th row (1: the first after the header) ends, quoted line
    breaks counted (on error paths: it reads the file up to the row)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for _ in itertools.islice(reader, row + 1):
            pass
        return reader.line_num


def _quotes_checked(lines: Iterable[str], quotes: QuoteCheck) -> Iterator[str]:
    """The file's lines (split at \\n, \\r\\n and \\r alike), refused where COPY refuses them:
    a row ending in \\r alone, or (unless the file may mix them) otherwise than the header does."""
    schema = quotes.schema
    header_end: str | None = None
    for line in lines:
        if quotes.opened is None and '"' not in line:
            quotes.skip(1)
        else:
            quotes.check(line.encode("utf-8", "surrogateescape"))
        if quotes.opened is None and line.strip("\r\n"):  # the line ends a row (blank ones: parsed_rows)
            end = "\r\n" if line.endswith("\r\n") else line[-1:] if line.endswith(("\r", "\n")) else ""
            if end == "\r":
                raise ImportInputError(schema.filename, UNQUOTED_CARRIAGE_RETURN, line=quotes.line)
            if header_end is None:
                header_end = end
            elif end and end != header_end and not schema.mixed_line_ends:
                problem = UNQUOTED_CARRIAGE_RETURN if end == "\r\n" else UNQUOTED_NEWLINE
                raise ImportInputError(schema.filename, problem, line=quotes.line)
        yield line
    quotes.finish()


def check_field_count(schema: FileSchema, columns: list[Column], row: list[str], line: int) -> None:
    if not row:
        raise ImportInputError(schema.filename, "is an empty line", line=line)
    if len(row) != len(columns):
        raise ImportInputError(
            schema.filename,
            f"has {len(row)} fields, expected {len(columns)} ({', '.join(schema.header)})",
            line=line,
        )


def parse_row(schema: FileSchema, columns: list[Column], row: list[str], line: int) -> dict[str, object]:
    check_field_count(schema, columns, row, line)
    values: dict[str, object] = {}
    for column, raw in zip(columns, row, strict=True):
        try:
            values[column.field] = column.parse(raw)
        except ValueError as error:
            raise ImportInputError(schema.filename, str(error), line=line, field=column.name) from None
    return values


def split_csv_line(line: bytes) -> list[str] | None:
    """Fields of one csv line (quotes handled), or None when it is not valid UTF-8.

    Raises csv.Error for what the csv module refuses (a carriage return outside quotes, a field
    over its size limit)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return next(csv.reader(io.StringIO(text)), [])


def line_break_in_line(
    schema: FileSchema, columns: list[Column], line: bytes, line_no: int
) -> ImportInputError | None:
    """For a file read line by line whose fields hold no line breaks: the error when the line
    (split at \\n; a Windows line end leaves its \\r) has a carriage return outside quotes, or a
    quoted field holding a carriage return or going on past the line's end."""
    body = line.removesuffix(b"\r")
    if b"\r" not in body and b'"' not in body:
        return None
    field, quoted, field_start, at = 0, False, True, 0
    while at < len(body):
        byte = body[at : at + 1]
        if quoted:
            if byte == b'"' and body[at + 1 : at + 2] == b'"':
                at += 1
            elif byte == b'"':
                quoted = False
            elif byte == b"\r":
                return line_break_error(schema, columns, line_no, field)
        elif byte == b"\r":
            return ImportInputError(schema.filename, UNQUOTED_CARRIAGE_RETURN, line=line_no)
        elif byte == b",":
            field += 1
            field_start = True
            at += 1
            continue
        elif byte == b'"' and field_start:
            quoted = True
        field_start = False
        at += 1
    return line_break_error(schema, columns, line_no, field) if quoted else None


def line_break_error(schema: FileSchema, columns: list[Column], line: int, field: int) -> ImportInputError:
    name = columns[field].name if field < len(columns) else None
    problem = f"holds a line break, which no field of {schema.filename} may"
    return ImportInputError(schema.filename, problem, line=line, field=name)


# Bytes that are not UTF-8 decode to these with errors="surrogateescape" (0x80-0xFF → U+DC80-U+DCFF).
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_SAVE_AS_UTF8 = "(save the file as UTF-8; Latin-1 and Windows-1252 are not read)"


def _text_problem(value: str) -> tuple[str, int] | None:
    """Why a field (decoded with errors="surrogateescape") is no text the database can store, and
    where in it."""
    if "\x00" in value:
        return NUL_PROBLEM, value.index("\x00")
    found = _UNDECODABLE.search(value)
    if found is None:
        return None
    byte = ord(found[0]) - 0xDC00
    return f"byte 0x{byte:02X} is not UTF-8 text {_SAVE_AS_UTF8}", found.start()


def line_text_error(
    schema: FileSchema, columns: list[Column], line: bytes, line_no: int
) -> ImportInputError | None:
    """The field of one csv line holding a NUL or bytes that are not UTF-8, if any."""
    fields = next(csv.reader([line.decode("utf-8", "surrogateescape")]), [])
    return _fields_text_error(schema, columns, fields, line_no)


def text_error(path: Path, schema: FileSchema, columns: list[Column]) -> ImportInputError:
    """Where a file first holds a NUL or bytes that are not UTF-8: the line and the field.

    Read again from the start, on the error path only: a streaming decoder or COPY notices the
    bytes a block ahead of the row, and neither knows the field.
    """
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        end = 1
        for fields in reader:
            found = _fields_text_error(schema, columns, fields, end + 1)
            if found is not None:
                return found
            end = reader.line_num
    return ImportInputError(schema.filename, "is not UTF-8 text")


def _fields_text_error(
    schema: FileSchema, columns: list[Column], fields: list[str], first_line: int
) -> ImportInputError | None:
    """first_line: where the row starts; a quoted field may run over several lines."""
    line = first_line
    for column, value in zip(columns, fields, strict=False):
        found = _text_problem(value)
        if found is not None:
            problem, at = found
            return ImportInputError(
                schema.filename, problem, line=line + value.count("\n", 0, at), field=column.name
            )
        line += value.count("\n")
    return None
