"""The one error bad input raises: it names the file, the line and the field, and what is wrong."""

from __future__ import annotations


class ImportInputError(Exception):
    def __init__(self, file: str, problem: str, *, line: int | None = None, field: str | None = None) -> None:
        self.file = file
        self.problem = problem
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.problem}"
