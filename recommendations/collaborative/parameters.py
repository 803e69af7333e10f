"""Run parameters of the collaborative kind and their defaults (pure Python: no numpy here).

The registry imports the kind module in every web process, so what it needs at import time, the
default parameters, lives apart from the numeric code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

KIND_NAME = "collaborative"
# 1: factors and id maps (.npy), three hnswlib indexes, catalogue and trending arrays,
# collaborative.json (see artifact.py).
FORMAT_VERSION = 1

# ALS defaults chosen by the blend's MAP@12 on a validation week of generated data (30,000
# customers, seed 1; benchmarks/recommendation_quality.py checks them on other seeds and sizes):
# 16-64 factors, regularisation 1-10 and alpha 2-10 were within a few percent; 32/5/5 was best.
# Real H&M data, with 105k articles, may want more factors: they are a run parameter.
DEFAULT_FACTORS = 32
DEFAULT_REGULARIZATION = 5.0
DEFAULT_ITERATIONS = 15
DEFAULT_ALPHA = 5.0
# Purchases lose half their weight in the matrix every 30 days: tastes drift with the season
# (30 days beat 90 and no decay by 10-15% on the validation week).
DEFAULT_MATRIX_HALF_LIFE_DAYS = 30.0
# Iterations of the published fit when it continues the evaluation's factors (see
# evaluation.refit_on_all_data): one more week of data moves the factors little.
DEFAULT_PUBLISH_ITERATIONS = 3
# "Customers like you" looks for neighbours among customers who bought in these last days:
# their recent purchases are what the widget shows, and it keeps that index small.
DEFAULT_SIMILAR_CUSTOMERS_WINDOW_DAYS = 28
# Held-out customers scored per run (a seeded random sample when the week has more): MAP@12 of
# 20,000 customers has a standard error near 0.001 at H&M's level (~0.02), and the blend and the
# baselines are compared on the same customers. 0 scores them all (68k in H&M's last week).
DEFAULT_EVALUATION_CUSTOMERS = 20_000
# The issue asks for recall@12 >= 0.95; aiming a little higher keeps a fresh sample of queries
# above it too.
DEFAULT_TARGET_RECALL = 0.97


@dataclass(frozen=True)
class AlsParameters:
    factors: int = DEFAULT_FACTORS
    regularization: float = DEFAULT_REGULARIZATION
    iterations: int = DEFAULT_ITERATIONS
    alpha: float = DEFAULT_ALPHA
    random_state: int = 42
    use_gpu: bool | None = None  # None: the GPU when implicit was built with CUDA and one is present

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> AlsParameters:
        return cls(
            factors=int(values.get("factors", DEFAULT_FACTORS)),
            regularization=float(values.get("regularization", DEFAULT_REGULARIZATION)),
            iterations=int(values.get("iterations", DEFAULT_ITERATIONS)),
            alpha=float(values.get("alpha", DEFAULT_ALPHA)),
            random_state=int(values.get("random_state", 42)),
            use_gpu=_gpu_choice(values.get("use_gpu", "auto")),
        )


def _gpu_choice(value: Any) -> bool | None:
    """ "auto" (the GPU when implicit has CUDA), or a yes/no."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).lower()
    if text == "auto":
        return None
    return text in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class BlendWeights:
    """Weights of the For-you blend (see blend.py for the formula)."""

    # Chosen by coordinate search on the same validation week as the ALS defaults; the blend's
    # MAP@12 was flat within 1% around them.
    buy_again: float = 1.0
    variant: float = 0.1
    als: float = 1.0
    trending: float = 0.25
    taste_trending: float = 1.0
    # "At most a few items per product": more colours of one product crowd the feed (4 scored
    # 0.3% better than 3 on MAP@12; a shopper sees a more varied row with 3).
    per_product: int = 3
    als_candidates: int = 100
    buy_again_half_life_days: float = 30.0
    # Only the most recent distinct articles of a long history are considered for buy-again.
    history_limit: int = 50

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> BlendWeights:
        """Reads `blend_<name>` entries of run parameters; others are ignored."""
        known = {item.name: item.type for item in fields(cls)}
        chosen: dict[str, Any] = {}
        for name, value in values.items():
            field_name = name.removeprefix("blend_")
            if name.startswith("blend_") and field_name in known:
                chosen[field_name] = int(value) if known[field_name] in (int, "int") else float(value)
        return cls(**chosen)

    def as_parameters(self) -> dict[str, float | int]:
        return {f"blend_{name}": value for name, value in asdict(self).items()}


DEFAULT_PARAMETERS: dict[str, Any] = {
    "factors": DEFAULT_FACTORS,
    "regularization": DEFAULT_REGULARIZATION,
    "iterations": DEFAULT_ITERATIONS,
    "alpha": DEFAULT_ALPHA,
    "random_state": 42,
    "use_gpu": "auto",
    "matrix_half_life_days": DEFAULT_MATRIX_HALF_LIFE_DAYS,  # 0: every purchase counts 1, however old
    "publish_iterations": DEFAULT_PUBLISH_ITERATIONS,
    "evaluate": True,
    "evaluation_customers": DEFAULT_EVALUATION_CUSTOMERS,
    "similar_customers_window_days": DEFAULT_SIMILAR_CUSTOMERS_WINDOW_DAYS,
    "index_target_recall": DEFAULT_TARGET_RECALL,
    **BlendWeights().as_parameters(),
}
