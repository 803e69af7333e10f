"""The content job's parameters and their defaults (import-light: read by every web process)."""

from __future__ import annotations

from typing import Any

DEFAULT_PARAMETERS: dict[str, Any] = {
    # "" means settings.CONTENT_ENCODER.
    "encoder": "",
    # Photos per chunk task (see recommendations.content.chunks).
    "chunk_size": 256,
    # A fifth of the products (all colour variants of each) is never seen by head training, to
    # measure on.
    "holdout_fraction": 0.2,
    "texts_per_article": 8,
    "epochs": 60,
    "seed": 0,
}
# Bounds beyond "not negative" (see ModelKind.parameter_ranges).
PARAMETER_RANGES: dict[str, tuple[float | None, float | None]] = {
    "chunk_size": (1, None),
    "holdout_fraction": (0, 0.9),
    "texts_per_article": (1, None),
    "epochs": (1, None),
    "seed": (None, None),
}
# The encoders a run may name ("" for settings.CONTENT_ENCODER), as recommendations.encoders
# knows them; that module is not imported here, as it brings in the encoders' base class.
PARAMETER_CHOICES: dict[str, tuple[str, ...]] = {"encoder": ("", "bundled", "clip")}
