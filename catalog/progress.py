"""Progress reporting for long commands: tqdm bars in a terminal, nothing in tests.

Services take a `Progress` so that the same code runs quietly under tests and shows rows per
second when a person runs the management command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TextIO, cast

from django.core.management.base import BaseCommand

Advance = Callable[[int], None]

# How often a bar redraws itself: twice a second in a terminal; in a log file or a pipe (cron, a
# CI job, `2> import.log`) every redraw is kept, so there every few seconds only.
TERMINAL_REFRESH_SECONDS = 0.5
LOG_REFRESH_SECONDS = 10.0


def refresh_seconds(stream: TextIO) -> float:
    isatty = getattr(stream, "isatty", None)
    return TERMINAL_REFRESH_SECONDS if callable(isatty) and isatty() else LOG_REFRESH_SECONDS


Bar = AbstractContextManager[Advance]


class Progress(Protocol):
    def bar(self, description: str, *, total: int | None = None, unit: str = "rows") -> Bar: ...

    def note(self, message: str) -> None: ...


class SilentProgress:
    def bar(self, description: str, *, total: int | None = None, unit: str = "rows") -> Bar:
        return _silent_bar()

    def note(self, message: str) -> None:
        pass


@contextmanager
def _silent_bar() -> Iterator[Advance]:
    yield lambda count: None


class TqdmProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def bar(self, description: str, *, total: int | None = None, unit: str = "rows") -> Bar:
        return self._bar(description, total, unit)

    @contextmanager
    def _bar(self, description: str, total: int | None, unit: str) -> Iterator[Advance]:
        from tqdm import tqdm

        with tqdm(
            desc=description,
            total=total,
            unit=f" {unit}",
            unit_scale=unit == "rows",
            file=self.stream,
            mininterval=refresh_seconds(self.stream),
            dynamic_ncols=True,
        ) as bar:
            yield bar.update
            if total is not None and bar.n != total:
                # Totals estimated from file sizes are close but not exact: end at what was read.
                bar.total = bar.n
                bar.refresh()

    def note(self, message: str) -> None:
        self.stream.write(message + "\n")
        self.stream.flush()


def command_progress(command: BaseCommand, verbosity: int) -> Progress:
    """Bars on the command's stderr (tqdm needs the raw stream, not Django's line wrapper)."""
    if verbosity < 1:
        return SilentProgress()
    return TqdmProgress(cast(TextIO, command.stderr._out))
