"""The one error bad input raises: it names the file, the line and the field, and what is wrong."""

from __future__ import annotations

from storefront.plurals import counted


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


class MediaUnwritable(Exception):
    """Photos could not be written to MEDIA_ROOT (a full disk, a folder the import may not write).

    Not bad input: the csv files are stored, and so are the photos written before it. What it
    says names the file that failed and why, and that running the import again finishes the job.
    """

    def __init__(self, media_root: str, failure: str, *, stored: int) -> None:
        self.media_root = media_root
        self.failure = failure
        self.stored = stored
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"Could not write photos into MEDIA_ROOT ({self.media_root}): {self.failure}. "
            f"The csv files and the {counted(self.stored, 'photo')} stored before it were imported. "
            "Free space there or make it writable, then run the import again: it stores the rest."
        )
