"""What an import did, for the command's summary and for tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileReport:
    name: str
    rows: int  # rows read from the file
    changed: int  # rows inserted or updated (unchanged rows are left alone)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        notes = f"; {'; '.join(self.notes)}" if self.notes else ""
        return (
            f"{self.name}: {self.rows:,} rows, {self.changed:,} new or changed, {self.seconds:.1f} s{notes}"
        )


@dataclass
class ImportSummary:
    files: list[FileReport] = field(default_factory=list)
    # Named timings of steps within files (copy, index rebuild, statistics...), for benchmarks.
    timings: dict[str, float] = field(default_factory=dict)

    def report(self, name: str) -> FileReport | None:
        return next((report for report in self.files if report.name == name), None)
