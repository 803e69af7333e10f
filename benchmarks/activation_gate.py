"""The blend's lift over the best simple baseline on the same held-out week: evidence for the
collaborative kind's activation gate (`activation_min_ratio`, `activation_min_eval_customers`).

    python benchmarks/activation_gate.py [--seeds 42 1 2] [--retrains 4] [--large-customers 50000]

The gate compares, inside one run, the blend's held-out MAP@12 with the best baseline that does
not use the ALS model (popular last week, trending, buy-again, buy-again topped up with popular),
all measured on the same customers of the same week, so a change of data moves both together.
On demo data sets from the generator (default size, one per seed, and the larger set of
benchmarks/recommendation_quality.py; reused under var/bench/), it scores honest runs with the
kind's default parameters on the data up to each of the last `--retrains` weeks and prints each
run's lift (blend / best simple baseline); the lowest lift is what the gate's default must stay
below. It then scores bad runs on the last week: the ones whose lift falls under the default are
the ones the gate catches.

Last, the noise of a small held-out week: samples (with replacement) of n held-out customers of
the last demo run, the lift measured on them (blend and baseline on the same customers, as a run
measures them) over the run's own; the 1st percentile over 2,000 draws per n. Below the minimum
of customers the gate stays open, where chance alone could pull an honest lift under the default.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storefront.settings")
os.environ.setdefault("ALLOW_INSECURE_SECRET_KEY", "1")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from benchmarks.generated_data import generated  # noqa: E402
from benchmarks.recommendation_quality import evaluated, read_csvs  # noqa: E402
from recommendations.collaborative.catalogue import ArticleTable  # noqa: E402
from recommendations.collaborative.interactions import PurchaseLog  # noqa: E402
from recommendations.collaborative.kind import KIND  # noqa: E402
from recommendations.collaborative.metrics import average_precision  # noqa: E402

assert KIND.activation_gate is not None
SIMPLE_BASELINES = tuple(KIND.activation_gate.baselines)
# A model with one factor: the blend's buy-again and trending still carry it, a few percent below
# an honest run, not broken. The run reported as bad (factors=2, iterations=1,
# regularization=1000). And one factor with buy-again left out of the blend: broken.
BAD_RUNS = (
    {"factors": 1},
    {"factors": 2, "iterations": 1, "regularization": 1000.0},
    {"factors": 1, "blend_buy_again": 0.0, "blend_variant": 0.0},
)
SAMPLE_SIZES = (100, 200, 300, 500, 1000, 2000)
DRAWS = 2000


def lift(
    log: PurchaseLog, catalogue: ArticleTable, **overrides: float
) -> tuple[float, str, float, float, dict[str, np.ndarray]]:
    """The blend's MAP@12 over the best simple baseline's on the last week of `log`: lift, that
    baseline's name, both MAP@12, and each held-out customer's average precision per recommender."""
    evaluation = evaluated(log, catalogue, **overrides)
    metrics = evaluation.metrics
    best = max(SIMPLE_BASELINES, key=lambda name: metrics[name])
    precisions = {
        name: np.array(
            [
                average_precision(truth, evaluation.predictions[name][customer])
                for customer, truth in evaluation.truth.items()
            ]
        )
        for name in ("map12_blend", best)
    }
    blend = metrics["map12_blend"]
    return blend / metrics[best], best, blend, metrics[best], precisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2])
    parser.add_argument("--retrains", type=int, default=4)
    parser.add_argument("--large-customers", type=int, default=50_000, help="0 skips the larger set")
    parser.add_argument("--large-articles", type=int, default=6_000)
    options = parser.parse_args()
    sets = [
        (f"demo s{seed}", generated("quality", customers=5_000, articles=2_000, weeks=26, seed=seed))
        for seed in options.seeds
    ]
    if options.large_customers:
        sets.append(
            (
                f"{options.large_customers // 1000}k s3",
                generated(
                    "quality",
                    customers=options.large_customers,
                    articles=options.large_articles,
                    weeks=26,
                    seed=3,
                ),
            )
        )
    honest: list[float] = []
    bad: dict[str, list[float]] = {}
    last_blend = last_baseline = np.array([])
    for label, folder in sets:
        log, catalogue = read_csvs(folder)
        for weeks_back in range(options.retrains - 1, -1, -1):
            started = time.perf_counter()
            ratio, best, blend, baseline, precisions = lift(
                log.where(log.days <= log.last_day - 7 * weeks_back), catalogue
            )
            honest.append(ratio)
            print(
                f"{label:<8} week -{weeks_back}: blend {blend:.4f}  {best[6:]} {baseline:.4f}  "
                f"lift {ratio:.3f}  customers {len(precisions['map12_blend']):>5}  "
                f"{time.perf_counter() - started:.1f}s",
                flush=True,
            )
            if label.startswith("demo"):
                last_blend, last_baseline = precisions["map12_blend"], precisions[best]
        for overrides in BAD_RUNS:
            ratio, best, blend, baseline, _ = lift(log, catalogue, **overrides)
            bad.setdefault(str(overrides), []).append(ratio)
            print(
                f"{label:<8} bad run {overrides}: blend {blend:.4f}  {best[6:]} {baseline:.4f}  "
                f"lift {ratio:.3f}"
            )
    print(f"Honest lifts: lowest {min(honest):.3f}, mean {np.mean(honest):.3f}, highest {max(honest):.3f}")
    for bad_run, lifts in bad.items():
        print(f"Bad run {bad_run}: lift {min(lifts):.3f}-{max(lifts):.3f}")

    run_lift = last_blend.mean() / last_baseline.mean()
    rng = np.random.default_rng(0)
    for size in SAMPLE_SIZES:
        draws = []
        for _ in range(DRAWS):
            sample = rng.integers(len(last_blend), size=size)
            draws.append(last_blend[sample].mean() / last_baseline[sample].mean() / run_lift)
        print(f"{size:>5} customers: lift over the run's own, 1st percentile {np.percentile(draws, 1):.3f}")


if __name__ == "__main__":
    main()
