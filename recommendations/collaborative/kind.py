"""The `collaborative` model kind: ALS over purchases, HNSW indexes, the For-you blend.

Listed in recommendations.registry.KIND_MODULES. Kept import-light for web processes: the
training and loading code (numpy, implicit, hnswlib) is imported inside the two functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recommendations.collaborative.parameters import (
    DEFAULT_PARAMETERS,
    FORMAT_VERSION,
    KIND_NAME,
    PARAMETER_CHOICES,
    PARAMETER_RANGES,
)
from recommendations.registry import ActivationGate, ModelKind, TrainingContext


def _train(ctx: TrainingContext) -> dict[str, float]:
    from recommendations.collaborative.training import train

    return train(ctx)


def _load(folder: Path, manifest: dict[str, Any]) -> Any:
    from recommendations.collaborative.artifact import load

    return load(folder)


KIND = ModelKind(
    name=KIND_NAME,
    label="Collaborative (ALS: For you, also bought, customers like you)",
    format_version=FORMAT_VERSION,
    train=_train,
    load=_load,
    default_parameters=dict(DEFAULT_PARAMETERS),
    parameter_ranges=PARAMETER_RANGES,
    parameter_choices=PARAMETER_CHOICES,
    # The blend is what "For you" serves; eval_customers counts the held-out week's customers.
    # The baselines are the ones that do not use the run's ALS model (als and als_popular do, so
    # a broken fit would lower the bar with the blend): a blend clearly worse than buy-again and
    # best sellers on the same week is broken whatever the data.
    activation_gate=ActivationGate(
        metric="map12_blend",
        label="held-out MAP@12 of the blend",
        baselines={
            "map12_buy_again_popular": "buy_again_popular",
            "map12_buy_again": "buy_again",
            "map12_popular_last_week": "popular_last_week",
            "map12_trending": "trending",
        },
        sample_metric="eval_customers",
    ),
)
