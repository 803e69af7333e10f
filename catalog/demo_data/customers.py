"""Demo shoppers: customers.csv rows and the hidden traits that drive their purchases.

Values follow H&M's customers.csv: 64-hex ids (sorted, as in the real file), FN/Active as "1.0"
or blank (the file was written from floating-point columns, ages too: "49.0"), club_member_status
ACTIVE/PRE-CREATE/LEFT CLUB, fashion_news_frequency NONE/Regularly/Monthly, ages clustered around
the early twenties and around fifty, hashed postal codes of which one is shared by very many.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from catalog.demo_data import hierarchy
from catalog.demo_data.tastes import Tastes
from catalog.importer.schema import CUSTOMERS

# Shopping frequency is log-normal: most customers buy rarely, a few weekly.
MEAN_BASKETS_PER_WEEK = 0.3
ACTIVITY_SIGMA = 1.1
MAX_BASKETS_PER_WEEK = 5.0
# Half the shoppers stick to one taste segment; the rest spend part of their baskets on a second,
# usually one centred on the same index group (another Ladieswear style, say).
SINGLE_SEGMENT_SHARE = 0.5
SECOND_SEGMENT_SAME_GROUP = 0.7
SECOND_SEGMENT_SHARE = (0.1, 0.35)
# A third of the customers sign up during the period rather than before it.
LATE_JOINER_SHARE = 0.3
# Typical age per home index group: (mean, spread).
AGE_BY_GROUP = {
    "Ladieswear": (38, 14),
    "Divided": (23, 4),
    "Menswear": (36, 12),
    "Baby/Children": (34, 6),
    "Sport": (30, 9),
}
CHUNK_ROWS = 100_000


@dataclass
class Shoppers:
    hex_ids: np.ndarray  # (n,) S64, sorted
    main_segment: np.ndarray
    second_segment: np.ndarray
    main_share: np.ndarray  # probability a basket follows the main segment
    baskets_per_week: np.ndarray
    online_share: np.ndarray  # probability a basket is bought online (sales channel 2)
    joins_in_week: np.ndarray  # first week the customer can buy

    @property
    def size(self) -> int:
        return len(self.hex_ids)


def draw_shoppers(n_customers: int, weeks: int, tastes: Tastes, rng: np.random.Generator) -> Shoppers:
    raw = np.frombuffer(rng.bytes(32 * n_customers), dtype=np.uint8).reshape(n_customers, 32)
    hex_ids = np.sort(np.array([row.tobytes().hex().encode() for row in raw], dtype="S64"))
    segments = len(tastes.share)
    main = rng.choice(segments, size=n_customers, p=tastes.share)
    second = rng.choice(segments, size=n_customers, p=tastes.share)
    for group in np.unique(tastes.home_group):
        members = np.flatnonzero(tastes.home_group == group)
        stays = (tastes.home_group[main] == group) & (rng.random(n_customers) < SECOND_SEGMENT_SAME_GROUP)
        weights = tastes.share[members] / tastes.share[members].sum()
        second[stays] = rng.choice(members, size=int(stays.sum()), p=weights)
    main_share = np.where(
        rng.random(n_customers) < SINGLE_SEGMENT_SHARE,
        1.0,
        1.0 - rng.uniform(*SECOND_SEGMENT_SHARE, n_customers),
    )
    mu = np.log(MEAN_BASKETS_PER_WEEK) - ACTIVITY_SIGMA**2 / 2
    activity = np.minimum(np.exp(rng.normal(mu, ACTIVITY_SIGMA, n_customers)), MAX_BASKETS_PER_WEEK)
    joins = np.where(
        rng.random(n_customers) < LATE_JOINER_SHARE, rng.integers(0, max(weeks, 1), n_customers), 0
    )
    return Shoppers(
        hex_ids=hex_ids,
        main_segment=main,
        second_segment=second,
        main_share=main_share,
        baskets_per_week=activity,
        online_share=rng.beta(2.5, 1.0, n_customers),
        joins_in_week=joins,
    )


def write_customers(path: Path, shoppers: Shoppers, tastes: Tastes, rng: np.random.Generator) -> None:
    n = shoppers.size
    postal_pool = max(1, n // 4)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(CUSTOMERS.header) + "\n")
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            size = stop - start
            fn = rng.random(size) < 0.35
            active = fn & (rng.random(size) < 0.97)
            club = rng.choice(
                ["ACTIVE", "PRE-CREATE", "LEFT CLUB", ""], size=size, p=[0.925, 0.067, 0.004, 0.004]
            )
            news = rng.choice(
                ["NONE", "Regularly", "Monthly", "None", ""], size=size, p=[0.638, 0.349, 0.001, 0.001, 0.011]
            )
            ages = _ages(tastes.home_group[shoppers.main_segment[start:stop]], rng)
            # One postal code (a parcel pick-up point, probably) is shared by ~8% of H&M's customers.
            postal = np.where(rng.random(size) < 0.08, 0, np.minimum(rng.zipf(1.3, size), postal_pool))
            lines = []
            for offset in range(size):
                age = ages[offset]
                lines.append(
                    ",".join(
                        (
                            shoppers.hex_ids[start + offset].decode(),
                            "1.0" if fn[offset] else "",
                            "1.0" if active[offset] else "",
                            str(club[offset]),
                            str(news[offset]),
                            f"{age}.0" if age > 0 else "",
                            _postal_code(int(postal[offset])),
                        )
                    )
                )
            handle.write("\n".join(lines) + "\n")


def _ages(home_groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    means = np.array([AGE_BY_GROUP[group.name][0] for group in hierarchy.INDEX_GROUPS])[home_groups]
    spreads = np.array([AGE_BY_GROUP[group.name][1] for group in hierarchy.INDEX_GROUPS])[home_groups]
    ages = np.clip(np.rint(rng.normal(means, spreads)), 16, 99).astype(np.int64)
    # About 1% of H&M's customers have no age on file.
    return np.where(rng.random(len(ages)) < 0.011, 0, ages)


def _postal_code(number: int) -> str:
    # Hashed like H&M's: 64 hex characters.
    return hashlib.sha256(f"postal-code-{number}".encode()).hexdigest()
