"""The registry of model kinds: what can be trained, how, and how its artifact is loaded.

A kind is a module listed in KIND_MODULES that defines `KIND = ModelKind(...)`; the app imports
them all at start-up (RecommendationsConfig.ready). The backbone (recommendations.training,
recommendations.versions) owns everything around a kind: TrainingRun rows, the lock per kind,
the Celery fan-out, the manifest, the atomic rename, activation and rollback. A kind only writes
its files into `ctx.workdir` and returns metrics, and turns a published folder back into an
in-memory model.

Kind modules are imported by every web process, so they must stay light: import numpy, torch,
implicit or hnswlib inside the functions, not at module level.
"""

from __future__ import annotations

import importlib
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from django.conf import settings

if TYPE_CHECKING:
    from recommendations.models import TrainingRun

logger = logging.getLogger(__name__)

# The words a yes/no parameter may be given as, in lower case (the command line passes strings,
# and staff type them into the schedule's JSON). A kind's own yes/no/"auto" choice reads these too.
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")

# A fraction parameter (0 to 1) given from this up to 100 was typed as a percentage; below it
# (1.05, 2) it is as likely meant as a ratio, and "0.0105 for 1.05%" would mislead.
TYPED_PERCENT_FROM = 10

# Each module defines KIND. Helpers adding a kind append their module here.
KIND_MODULES: list[str] = [
    "recommendations.trending",
    "recommendations.content.kind",
    "recommendations.collaborative.kind",
]


class TrainingCancelled(Exception):
    """Raised by TrainingContext.check_cancelled when staff cancelled the run (or it was reaped)."""


class TrainingDataMissing(Exception):
    """The shop's data cannot make this model yet (no purchases, no photos). The message says what
    to import; the run fails with it alone, as an expected condition, without a traceback."""


@dataclass(frozen=True)
class ActivationGate:
    """A held-out metric a new version must keep near the best of simple baselines measured in the
    same run, on the same held-out cases, to be activated at once.

    The thresholds are run parameters (`activation_min_ratio`, `activation_min_eval_customers`,
    which the kind lists in its defaults), so that staff can loosen or turn off the gate for one
    run; recommendations.activation_gate applies it.
    """

    # The metric's name in the run's metrics (higher is better), and in words for the run's message.
    metric: str
    label: str
    # Metrics of the same run measured the same way by recommenders simple enough to be an honest
    # floor (they cannot break the way a trained model can); the best of them is the bar. Metric
    # name -> its name in the run's message.
    baselines: dict[str, str]
    # How many held-out cases the metric was measured on: too few and it is noise.
    sample_metric: str


@dataclass(frozen=True)
class ModelKind:
    name: str
    label: str
    # Bump when the artifact layout changes: older artifacts then load as None (callers fall
    # back) and cannot be rolled back to.
    format_version: int
    # Writes the artifact's files into ctx.workdir and returns metrics (name -> number).
    train: Callable[[TrainingContext], dict[str, float]]
    # (artifact folder, manifest) -> the in-memory model. May raise; serving turns that into None.
    load: Callable[[Path, dict[str, Any]], Any]
    default_parameters: dict[str, Any] = field(default_factory=dict)
    # Optional fan-out: chunks planned once, run by `run_chunk(run_id, chunk)` on any worker (the
    # `chunks` queue), then `train` runs once as the finishing step and can read what they wrote
    # (e.g. under ctx.scratch_dir, which every chunk can reach as artifacts.scratch_dir(run_id)).
    plan_chunks: Callable[[TrainingContext], list[dict[str, Any]]] | None = None
    run_chunk: Callable[[int, dict[str, Any]], None] | None = None
    # (lowest, highest) a numeric parameter may take, None for no bound. A number not listed
    # whose default is not negative may not be negative.
    parameter_ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # The words a text parameter may take, matched whatever their case and stored as listed here.
    parameter_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # None: every successful run is activated.
    activation_gate: ActivationGate | None = None

    def merged_parameters(self, overrides: dict[str, Any] | None) -> dict[str, Any]:
        """Defaults with the overrides applied; unknown names are refused with the known ones listed.
        A null (None) is "unset", as a JSON API user means it: the default, whatever its type."""
        overrides = overrides or {}
        unknown = sorted(set(overrides) - set(self.default_parameters))
        if unknown:
            known = ", ".join(sorted(self.default_parameters)) or "none"
            raise ValueError(f"Unknown parameter(s) for {self.name}: {', '.join(unknown)} (known: {known}).")
        merged = dict(self.default_parameters)
        for name, value in overrides.items():
            if value is None:
                continue
            merged[name] = self._choice(name, _coerce_like(self.default_parameters[name], value, name=name))
            self._check_range(name, merged[name])
        return merged

    def _choice(self, name: str, value: Any) -> Any:
        """The listed spelling of a word parameter's value. Refused here, like a range: a content
        run's unknown encoder failed only when a worker reached it (every night, on a schedule),
        and a collaborative run's use_gpu read any word it did not know as "no"."""
        choices = self.parameter_choices.get(name)
        if choices is None:
            return value
        for choice in choices:
            if str(value).lower() == choice.lower():
                return choice
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"Parameter {name} must be one of {listed}, not {value!r}.")

    def _check_range(self, name: str, value: Any) -> None:
        """Refused here, when staff set it, rather than in a run that fails at night."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        default = self.default_parameters[name]
        not_negative = isinstance(default, int | float) and not isinstance(default, bool) and default >= 0
        lowest, highest = self.parameter_ranges.get(name, (0 if not_negative else None, None))
        if not math.isfinite(value):
            raise ValueError(f"Parameter {name} must be a finite number, not {value!r}.")
        too_low = lowest is not None and value < lowest
        too_high = highest is not None and value > highest
        if too_low or too_high:
            if lowest is not None and highest is not None:
                bounds = f"between {lowest:g} and {highest:g}"
            else:
                bounds = f"at least {lowest:g}" if lowest is not None else f"at most {highest:g}"
            # 80 for a fraction of 0.8: someone typed a percentage.
            typed_percent = (lowest, highest) == (0, 1) and TYPED_PERCENT_FROM <= value <= 100
            hint = f" (a fraction: {value / 100:g} for {value:g}%)" if typed_percent else ""
            raise ValueError(f"Parameter {name} must be {bounds}, not {value!r}{hint}.")


def _coerce_like(default: Any, value: Any, *, name: str) -> Any:
    """Give a parameter the type of its default (the command line passes strings)."""
    if default is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in (*TRUE_WORDS, *FALSE_WORDS):
            return value.lower() in TRUE_WORDS
        raise ValueError(f"Parameter {name} must be true or false, not {value!r}.")
    if isinstance(default, int | float):
        # JSON's true is an int to Python: passed through, it trained a model of 1 factor.
        if isinstance(value, bool):
            raise ValueError(f"Parameter {name} must be a number, not {value!r}.")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"Parameter {name} must be a number, not {value!r}.") from None
        if not isinstance(default, int):
            return number
        # Whole-number parameters are counts; a fraction was recorded as asked but trained cut
        # down by the kind's int(), so the run's page named parameters it never used.
        if number.is_integer():
            return int(number)
        if math.isfinite(number):
            raise ValueError(f"Parameter {name} must be a whole number, not {value!r}.")
        return number  # inf and nan: _check_range names them
    if isinstance(default, str):
        return str(value)
    return value


_kinds: dict[str, ModelKind] = {}
_kinds_lock = threading.Lock()


def register_kind(kind: ModelKind) -> ModelKind:
    with _kinds_lock:
        existing = _kinds.get(kind.name)
        if existing is not None and existing is not kind:
            raise ValueError(f"A model kind named {kind.name!r} is already registered.")
        _kinds[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    """For tests that register a throwaway kind."""
    with _kinds_lock:
        _kinds.pop(name, None)


def get_kind(name: str) -> ModelKind:
    try:
        return _kinds[name]
    except KeyError:
        known = ", ".join(sorted(_kinds)) or "none"
        raise LookupError(f"Unknown model kind {name!r} (known: {known}).") from None


def all_kinds() -> list[ModelKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.name)


class KindNames(Sequence[str]):
    """The registered kinds' names, sorted, read each time they are listed. For the API schema's
    `kind` parameters: their decorators run when a module is imported, which may come before
    RecommendationsConfig.ready registers the kinds, and a list taken then would stay empty."""

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        return sorted(_kinds)[index]

    def __len__(self) -> int:
        return len(_kinds)


KIND_NAMES = KindNames()


def load_kind_modules() -> None:
    """Import every kind module (KIND_MODULES plus settings.EXTRA_KIND_MODULES) and register its KIND."""
    for module_path in [*KIND_MODULES, *getattr(settings, "EXTRA_KIND_MODULES", [])]:
        module = importlib.import_module(module_path)
        kind = getattr(module, "KIND", None)
        if not isinstance(kind, ModelKind):
            raise TypeError(
                f"{module_path} is listed as a model kind module but defines no KIND = ModelKind(...)."
            )
        register_kind(kind)


class TrainingContext:
    """What a kind's train/plan_chunks functions get: the run, a folder to write to, parameters.

    `progress` and `check_cancelled` are cheap to call in a tight loop: progress is kept in memory
    and written at most about once a second (the heartbeat flushes the latest value), and
    cancellation is read from a flag that the heartbeat refreshes.
    """

    def __init__(
        self,
        *,
        run: TrainingRun,
        workdir: Path,
        parameters: dict[str, Any],
        scratch_dir: Path,
        active_artifact: Path | None,
        report_progress: Callable[[float, str], None],
        is_cancelled: Callable[[], bool],
    ) -> None:
        self.run = run
        # Empty folder inside the artifact storage; everything written here is published.
        self.workdir = workdir
        self.parameters = parameters
        # Per-run folder shared with chunk tasks; removed when the run ends, never published.
        self.scratch_dir = scratch_dir
        # Folder of the version active when the run started (for incremental work), or None.
        self.active_artifact = active_artifact
        self._report_progress = report_progress
        self._is_cancelled = is_cancelled

    def progress(self, percent: float, message: str = "") -> None:
        """Report how far the run is (0-100) and what it is doing, in words a person can read."""
        self._report_progress(max(0.0, min(100.0, float(percent))), message)

    def check_cancelled(self) -> None:
        if self._is_cancelled():
            raise TrainingCancelled(f"Training run {self.run.pk} was cancelled.")
