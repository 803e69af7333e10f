"""Run parameters of the collaborative kind and their defaults (pure Python: no numpy here).

The registry imports the kind module in every web process, so what it needs at import time, the
default parameters, lives apart from the numeric code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from recommendations.registry import FALSE_WORDS, TRUE_WORDS

KIND_NAME = "collaborative"
# 1: factors and id maps (.npy), three hnswlib indexes, catalogue and trending arrays,
# collaborative.json (see artifact.py).
FORMAT_VERSION = 1

# ALS defaults chosen by the blend's MAP@12 on a validation week of generated data (30,000
# customers, seed 1; benchmarks/recommendation_quality.py checks them on other seeds and sizes):
# 16-64 factors, regularisation 1-10 and alpha 2-10 were within a few percent; 32/5/5 was best.
# Real H&M data, with 105k articles, may want more factors: they are a run parameter.
# Re-checked when the demo's purchases got H&M's fast fade, impulse buys and repeat cycles
# (validation week of 30,000 customers / 4,000 articles, seed 1), the blend scored 0.1364 at the
# defaults, and with factors 16/64 0.1339/0.1380, regularisation 1/20 0.1362/0.1373, alpha
# 2/10 0.1347/0.1364. 64 factors is a real but small gain (+0.0017 ± 0.0006 paired, 1.2%), not
# worth doubling the factors' memory and fitting time; the rest moved by under 0.001: kept.
DEFAULT_FACTORS = 32
DEFAULT_REGULARIZATION = 5.0
# MAP@12 stopped moving after 6-8 iterations (4: -1%, 10, 15 and 25 within 0.3%).
DEFAULT_ITERATIONS = 10
DEFAULT_ALPHA = 5.0
# Purchases lose half their weight in the matrix every 30 days: tastes drift with the season
# (30 days beat 90 and no decay by 10-15% on the validation week). On the reworked demo
# purchases (same check as the ALS defaults): 14 days lifted ALS alone 0.1096 -> 0.1159 but not
# the blend (0.1364 -> 0.1363); 60 days 0.1365.
DEFAULT_MATRIX_HALF_LIFE_DAYS = 30.0
# Iterations of the published fit when it continues the evaluation's factors (see
# evaluation.refit_on_all_data): one more week of data moves the factors little. Measured on a
# later week of generated data (30,000 customers): 1 warm iteration scored the same MAP@12 as a
# 15-iteration fit from scratch (blend 0.0921 vs 0.0923, ALS 0.0833 vs 0.0833), 0 did not.
DEFAULT_PUBLISH_ITERATIONS = 1
# "Customers like you" looks for neighbours among customers who bought in these last days:
# their recent purchases are what the widget shows, and it keeps that index small.
DEFAULT_SIMILAR_CUSTOMERS_WINDOW_DAYS = 28
# Held-out customers scored per run (a seeded random sample when the week has more): MAP@12 of
# 20,000 customers has a standard error near 0.001 at H&M's level (~0.02), and the blend and the
# baselines are compared on the same customers. 0 scores them all (68k in H&M's last week).
DEFAULT_EVALUATION_CUSTOMERS = 20_000
# The quality gate at activation (recommendations.activation_gate): a run whose blend scores below
# this fraction of the best simple baseline measured in the same run (buy-again and best sellers,
# which do not use ALS; evaluation.py) on the same held-out week is published but not activated.
# The blend's lift over that baseline in honest runs (benchmarks/activation_gate.py: demo data,
# seeds 42, 1, 2 and the 50,000-customer set, each of the last 4 weeks) was 1.041-1.173 (mean
# 1.12), 1.04 at full generated scale (1.37M customers, see BlendWeights); on 500 held-out
# customers chance alone moves a run's lift down to 0.938 x at the 1st percentile, so an honest
# run stays above 1.041 x 0.938 = 0.976. A blend with a one-factor ALS and no buy-again scored
# 0.52-0.82 and is caught. A one-factor ALS alone (1.08-1.14) is not: buy-again and trending
# carry the blend within a few percent of an honest run. 0.9 leaves room for real data, where
# the blend's lead over buy-again is thinner. 0 turns the gate off.
DEFAULT_ACTIVATION_MIN_RATIO = 0.9
# Below this many held-out customers the gate stays open: MAP@12 of few customers is noise (a
# run's lift on 100 / 200 / 300 / 500 / 1,000 of its customers falls to 0.877 / 0.914 / 0.922 /
# 0.938 / 0.958 x its own at the 1st percentile, same benchmark). 500 keeps an honest run far
# from the default while still gating the demo shop, whose weeks hold ~950 customers.
DEFAULT_ACTIVATION_MIN_EVAL_CUSTOMERS = 500
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
    return text in TRUE_WORDS


@dataclass(frozen=True)
class BlendWeights:
    """Weights of the For-you blend (see blend.py for the formula)."""

    # Chosen by coordinate search on the same validation week as the ALS defaults; the blend's
    # MAP@12 was flat within 1% around them. Re-checked on the reworked demo purchases (see the
    # ALS defaults; 0.1364 here): buy_again 0.5/2 0.1326/0.1367, variant 0/0.3 0.1362/0.1363,
    # als 0.5/2 0.1371/0.1338, trending 0/0.5/1 0.1361/0.1369/0.1361, taste_trending 0.5/2/4
    # 0.1369/0.1353/0.1305, buy-again half-life 7/14/60 days 0.1283/0.1331/0.1357, per_product
    # 2/4 0.1355/0.1369, 200 ALS candidates 0.1364: no gain above 0.0007 (about one paired
    # standard error there), so kept.
    # buy_again 1.5 (was 1): the weight that suits a small catalogue and H&M's size differ. With
    # u.v as it is in the blend (blend.py), validation-week MAP@12 and blend/best baseline for
    # buy_again 1 / 1.5 / 2: default demo 0.2587 1.14x / 0.2552 1.12x / 0.2508 1.10x; 50,000
    # customers 0.1171 1.19x / 0.1172 1.19x / 0.1164 1.18x; full generated scale (1.37M
    # customers, 105k articles) 0.0704 1.00x / 0.0732 1.04x / 0.0743 1.06x (3: 0.0751 1.07x).
    # 1.5 keeps the small sets' clear lead and stops the full-scale blend tying buy-again alone.
    buy_again: float = 1.5
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
    "activation_min_ratio": DEFAULT_ACTIVATION_MIN_RATIO,
    "activation_min_eval_customers": DEFAULT_ACTIVATION_MIN_EVAL_CUSTOMERS,
    "similar_customers_window_days": DEFAULT_SIMILAR_CUSTOMERS_WINDOW_DAYS,
    "index_target_recall": DEFAULT_TARGET_RECALL,
    **BlendWeights().as_parameters(),
}
# Bounds beyond "not negative" (see ModelKind.parameter_ranges).
PARAMETER_RANGES: dict[str, tuple[float | None, float | None]] = {
    "factors": (1, 1024),
    "iterations": (1, 1000),
    "random_state": (None, None),
    "publish_iterations": (0, 1000),
    "similar_customers_window_days": (1, None),
    "index_target_recall": (0, 1),
    # A fraction of the best simple baseline: above 1 would hold back a blend that only ties it.
    "activation_min_ratio": (0, 1),
    "blend_per_product": (1, None),
    "blend_als_candidates": (1, None),
    "blend_history_limit": (1, None),
    "blend_buy_again_half_life_days": (0.01, None),
}
# The words _gpu_choice reads (see ModelKind.parameter_choices).
PARAMETER_CHOICES: dict[str, tuple[str, ...]] = {"use_gpu": ("auto", *TRUE_WORDS, *FALSE_WORDS)}
