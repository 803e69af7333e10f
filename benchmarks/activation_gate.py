"""How far the held-out MAP@12 of the blend moves between honest retrains: evidence for the
collaborative kind's activation gate (`activation_min_ratio`, `activation_min_eval_customers`).

    python benchmarks/activation_gate.py [--seeds 42 1 2] [--retrains 8] [--customers 5000 --articles 2000]

On demo data sets from the generator (default size, one per seed, reused under var/bench/), it
scores the blend as a weekly retrain would: with the kind's default parameters on the data up to
each of the last `--retrains` weeks, and prints each week's MAP@12 and its ratio to the week
before (the new run against the version serving). The lowest of those ratios is what the gate's
default must stay below. It then scores one bad run (factors=2, iterations=1,
regularization=1000) on the last week, which the gate must catch.

Last, the noise of a small held-out week: two independent samples (with replacement) of n held-out
customers of the last run, their MAP@12 ratio; the 1st percentile over 2,000 draws per n. Below the minimum of
customers the gate holds back, that ratio can fall under the default by chance alone.
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
from benchmarks.recommendation_quality import read_csvs  # noqa: E402
from recommendations.collaborative.catalogue import ArticleTable  # noqa: E402
from recommendations.collaborative.evaluation import evaluate  # noqa: E402
from recommendations.collaborative.interactions import PurchaseLog  # noqa: E402
from recommendations.collaborative.metrics import average_precision  # noqa: E402
from recommendations.collaborative.parameters import DEFAULT_PARAMETERS, AlsParameters, BlendWeights  # noqa: E402

BAD_PARAMETERS = {"factors": 2, "iterations": 1, "regularization": 1000.0}
SAMPLE_SIZES = (50, 100, 200, 300, 500, 1000, 2000, 5000)
DRAWS = 2000


def blend(log: PurchaseLog, catalogue: ArticleTable, **overrides: float) -> tuple[float, np.ndarray]:
    """The blend's MAP@12 on the last week of `log` and each held-out customer's average precision."""
    parameters = {**DEFAULT_PARAMETERS, **overrides}
    evaluation = evaluate(
        log,
        catalogue,
        als=AlsParameters.from_mapping(parameters),
        weights=BlendWeights.from_mapping(parameters),
        matrix_half_life_days=float(parameters["matrix_half_life_days"]) or None,
        sample_customers=int(parameters["evaluation_customers"]),
    )
    predictions = evaluation.predictions["map12_blend"]
    precisions = np.array(
        [average_precision(truth, predictions[customer]) for customer, truth in evaluation.truth.items()]
    )
    return evaluation.metrics["map12_blend"], precisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2])
    parser.add_argument("--retrains", type=int, default=8)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--articles", type=int, default=2_000)
    options = parser.parse_args()
    ratios: list[float] = []
    last_precisions = np.array([])
    for seed in options.seeds:
        folder = generated(
            "quality", customers=options.customers, articles=options.articles, weeks=26, seed=seed
        )
        log, catalogue = read_csvs(folder)
        previous = None
        for weeks_back in range(options.retrains - 1, -1, -1):
            started = time.perf_counter()
            score, precisions = blend(log.where(log.days <= log.last_day - 7 * weeks_back), catalogue)
            ratio = score / previous if previous else float("nan")
            if previous:
                ratios.append(ratio)
            print(
                f"seed {seed:>3} week -{weeks_back}: blend {score:.4f}  vs previous {ratio:.3f}  "
                f"customers {len(precisions):>5}  {time.perf_counter() - started:.1f}s",
                flush=True,
            )
            previous, last_precisions = score, precisions
        bad, _ = blend(log, catalogue, **BAD_PARAMETERS)
        print(f"seed {seed:>3} bad run {BAD_PARAMETERS}: blend {bad:.4f}  vs the last week {bad / score:.3f}")
    print(f"Retrain ratios: lowest {min(ratios):.3f}, mean {np.mean(ratios):.3f}, highest {max(ratios):.3f}")

    rng = np.random.default_rng(0)
    for size in SAMPLE_SIZES:
        draws = []
        for _ in range(DRAWS):
            first, second = rng.choice(last_precisions, size=(2, size)).mean(axis=1)
            draws.append(second / first if first else float("inf"))
        print(f"{size:>5} customers: two samples' ratio, 1st percentile {np.percentile(draws, 1):.3f}")


if __name__ == "__main__":
    main()
