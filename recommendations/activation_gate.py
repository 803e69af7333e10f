"""The quality gate at activation: a run whose model is clearly worse than simple baselines
measured in the same run is published but not activated.

A bad parameter choice or a data problem trains a model without failing; activated at once,
every shopper got worse recommendations until someone noticed. Such a run is published and
recorded, but the previous version keeps serving, for staff to look at and activate by hand
from Model versions.

The bar comes from the run itself, never from the active version: the best of the kind's simple
baselines (for the collaborative kind: buy-again and best sellers, which do not use the trained
model), measured on the same held-out cases. A number recorded by another version was measured
on another week, perhaps on other data (demo data before the real import, a replaced catalogue,
a rollback to an old version), and comparing with it held back every retrain after such a change
while the shop served a model of data it no longer had; a broken active version held back its
own repair. Like with like, a change of data moves the run's metric and its bar together.

A kind opts in with ModelKind.activation_gate and the two run parameters. The collaborative kind
does (map12_blend, on its held-out week). The content kind does not, yet: it records no simple
baseline to measure its held-out precision against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from recommendations.registry import ActivationGate, ModelKind


@dataclass(frozen=True)
class Verdict:
    """Whether a run's version may be activated, and if not, the numbers that say why."""

    held_back: bool
    # The run's metric (NaN when it was not a finite number) and the best baseline it fell short
    # of; unset when activated.
    metric_label: str = ""
    value: float = 0.0
    min_ratio: float = 0.0
    baseline: str = ""
    baseline_value: float = 0.0
    # Why a gated kind's run was activated unjudged, for staff to see the gate did not look.
    not_applied: str = ""

    def message(self, *, version: int) -> str:
        """The run's message, in words for staff."""
        if not self.held_back:
            note = f" (quality gate not applied: {self.not_applied})" if self.not_applied else ""
            return f"Published and activated version {version}{note}"
        if math.isnan(self.value):
            shortfall = (
                f"{self.metric_label} is not a number, while the best simple baseline "
                f"({self.baseline} {self.baseline_value:.4f}) was measured on the same week."
            )
        else:
            shortfall = (
                f"{self.metric_label} {self.value:.4f} is below {self.min_ratio:g} x the best simple "
                f"baseline ({self.baseline} {self.baseline_value:.4f}) measured on the same week."
            )
        return (
            f"Published version {version} but did not activate it: {shortfall} "
            "Activate it from Model versions if intended."
        )


ACTIVATE = Verdict(held_back=False)


def judge(*, kind: ModelKind, parameters: dict[str, Any], metrics: dict[str, Any]) -> Verdict:
    """Whether a run with these `parameters` and held-out `metrics` may be activated.

    Activates when the gate cannot say: the kind has no gate, the run's ratio is 0, the run has no
    metric or no baseline (evaluate=false) or measured them on too few cases; the run's message
    then says the gate was not applied. A metric recorded but not a finite number (NaN, stored
    as null) beside finite baselines is held back: the model or its evaluation broke. Reads
    nothing but its arguments, so it cannot race with a manual activation or depend on the
    active version.
    """
    gate = kind.activation_gate
    min_ratio = float(parameters.get("activation_min_ratio") or 0.0)
    if gate is None or min_ratio <= 0:
        return ACTIVATE
    if gate.metric not in metrics:
        return Verdict(held_back=False, not_applied=f"the run measured no {gate.label}")
    bar = best_baseline(gate, metrics)
    if bar is None:
        return Verdict(held_back=False, not_applied="the run measured no simple baseline")
    sample = _measured(metrics, gate.sample_metric)
    min_sample = float(parameters.get("activation_min_eval_customers") or 0.0)
    if sample is None:
        return Verdict(held_back=False, not_applied="the run did not count its held-out customers")
    if sample < min_sample:
        return Verdict(
            held_back=False, not_applied=f"{sample:g} held-out customers, fewer than {min_sample:g}"
        )
    best, best_value = bar
    value = _measured(metrics, gate.metric)
    if value is not None and value >= min_ratio * best_value:
        return ACTIVATE
    return Verdict(
        held_back=True,
        metric_label=gate.label,
        value=math.nan if value is None else value,
        min_ratio=min_ratio,
        baseline=best,
        baseline_value=best_value,
    )


def best_baseline(gate: ActivationGate, metrics: dict[str, Any]) -> tuple[str, float] | None:
    """The best of the gate's baselines the run measured, as (its name in messages, its value);
    None when it measured none. The gate's bar, and the lift the run's admin page shows."""
    values = {label: _measured(metrics, name) for name, label in gate.baselines.items()}
    measured = {label: value for label, value in values.items() if value is not None}
    if not measured:
        return None
    best = max(measured, key=lambda label: measured[label])
    return best, measured[best]


def _measured(metrics: dict[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
