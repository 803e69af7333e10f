"""The quality gate at activation: a run whose held-out metric falls well below the serving one's
is published but not activated.

A bad parameter choice (factors=2, iterations=1, regularization=1000) or a data problem trains a
model without failing; activated at once, every shopper got worse recommendations until someone
noticed. Such a run is now a failure for serving (the previous version keeps serving) while its
version stays recorded, for staff to look at and activate by hand from Model versions.

A kind opts in with ModelKind.activation_gate and the two run parameters. The collaborative kind
does (map12_blend, on its held-out week). The content kind does not, yet: its held-out precision
is measured on the products that the run's own `seed` and `holdout_fraction` set aside, in the
space of the run's `encoder`, so a run with other values (or another encoder, whose precision
sits at another level by design) is not measured on the same thing as the active version, and
its run-to-run variation has not been measured to choose a ratio from.
"""

from __future__ import annotations

import math
from typing import Any

from recommendations.models import ModelVersion
from recommendations.registry import ModelKind


def held_back_message(
    *, kind: ModelKind, new_version: ModelVersion, parameters: dict[str, Any], metrics: dict[str, Any]
) -> str | None:
    """Why `new_version` must not be activated, in words for the run's message, or None to activate it.

    Activates (None) when the gate cannot say: the kind has no gate, the run's ratio is 0, the run
    or the active version has no metric (evaluate=false, an older version) or measured it on too
    few cases, or nothing is active. Call inside the activating transaction.
    """
    gate = kind.activation_gate
    min_ratio = float(parameters.get("activation_min_ratio") or 0.0)
    if gate is None or min_ratio <= 0:
        return None
    min_sample = float(parameters.get("activation_min_eval_customers") or 0.0)
    active = ModelVersion.objects.active().filter(kind=kind.name).exclude(pk=new_version.pk).first()
    if active is None:
        return None
    active_metrics = active.manifest.get("metrics") or {}
    new_value, active_value = _measured(metrics, gate.metric), _measured(active_metrics, gate.metric)
    if new_value is None or active_value is None:
        return None
    if not _enough(metrics, gate.sample_metric, min_sample) or not _enough(
        active_metrics, gate.sample_metric, min_sample
    ):
        return None
    if new_value >= min_ratio * active_value:
        return None
    return (
        f"Published version {new_version.version} but did not activate it: {gate.label} {new_value:.4f} "
        f"is below {min_ratio:g} x active version {active.version}'s {active_value:.4f}. "
        "Activate it from Model versions if intended."
    )


def _measured(metrics: dict[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _enough(metrics: dict[str, Any], sample_metric: str, minimum: float) -> bool:
    sample = _measured(metrics, sample_metric)
    return sample is not None and sample >= minimum
