"""Quotes that PostgreSQL's COPY and Python's csv reader (the SQLite path) read differently.

COPY opens a quoted section at any quote outside one; Python's reader only at the first character
of a field, and keeps any other quote as a character. So `5" heel,...` (a quote in a field that is
not quoted) was stored as written on SQLite, while COPY read on through the following lines or
dropped the quotes of `5"x"`. And a quoted field never closed took the rest of the file on SQLite.
Both paths refuse these, naming the line and the field, before either parser sees the row.
"""

from __future__ import annotations

import re

from catalog.importer.errors import ImportInputError
from catalog.importer.schema import Column, FileSchema

# A line of whole fields, each quoted ("a ""b"", c") or without quotes: nearly every line that has
# quotes at all, checked in one match. Possessive: a line it misses goes the slow way, no harm.
_FIELD = rb'(?:"(?:[^"]++|"")*+"|[^",\r\n]*+)'
_WHOLE_FIELDS = re.compile(_FIELD + rb"(?:," + _FIELD + rb")*+\r?\n?")
_SPECIAL = re.compile(rb'[",\r\n]')
STRAY_QUOTE = (
    'has a quote (") in a field that does not start with one: put the whole field in quotes and '
    'double the quotes inside it ("12"" heel")'
)
UNCLOSED_QUOTE = "has a quoted field that is never closed (a quote is missing)"


class QuoteCheck:
    """Follows a file's quotes line by line (header included) as COPY does; raises ImportInputError."""

    def __init__(self, schema: FileSchema, columns: list[Column]) -> None:
        self.schema = schema
        self.columns = columns
        self.line = 0
        self.field = 0  # of the row the line is in
        self.opened: tuple[int, int] | None = None  # (line, field) of a quoted section still open
        # (line, field) of a quoted section of this row that ran over lines: maybe an unclosed one
        self.spanned: tuple[int, int] | None = None

    def skip(self, lines: int) -> None:
        """Lines without a quote, while no quoted section is open."""
        self.line += lines

    def check(self, line: bytes) -> None:
        """The next line, with its line break."""
        self.line += 1
        if self.opened is None and (b'"' not in line or _WHOLE_FIELDS.fullmatch(line)):
            return
        at, field_start = 0, self.opened is None
        while at < len(line):
            if self.opened is not None:
                close = _closing_quote(line, at)
                if close is None:
                    return  # the quoted field goes on in the next line
                if self.opened[0] != self.line:
                    self.spanned = self.opened
                self.opened, at, field_start = None, close + 1, False
                continue
            found = _SPECIAL.search(line, at)
            if found is None:
                return
            if found[0] == b",":
                self.field += 1
                field_start = True
            elif found[0] == b'"':
                if not field_start or found.start() != at:
                    raise self._stray_quote()
                self.opened, field_start = (self.line, self.field), False
            else:
                self.field, self.spanned = 0, None  # the row ends with the line
                return
            at = found.end()

    def finish(self) -> None:
        """At the end of the file."""
        if self.opened is not None:
            raise self._error(UNCLOSED_QUOTE, *self.opened)

    def _stray_quote(self) -> ImportInputError:
        if self.spanned is None:
            return self._error(STRAY_QUOTE, self.line, self.field)
        # Rows cannot be told apart past a missing quote: name where the row's long field opened.
        line, field = self.spanned
        return self._error(f"{UNCLOSED_QUOTE}, or it holds a quote it should double", line, field)

    def _error(self, problem: str, line: int, field: int) -> ImportInputError:
        name = self.columns[field].name if field < len(self.columns) else None
        return ImportInputError(self.schema.filename, problem, line=line, field=name)


def _closing_quote(line: bytes, at: int) -> int | None:
    """Where the quoted section the line is in at `at` ends; None when it goes on past the line."""
    while (quote := line.find(b'"', at)) >= 0:
        if line[quote + 1 : quote + 2] != b'"':
            return quote
        at = quote + 2  # a doubled quote is a quote character
    return None
