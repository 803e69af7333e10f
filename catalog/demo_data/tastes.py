"""Shoppers' tastes: taste segments and how much each segment likes each article.

Every shopper belongs mostly to one segment (sometimes two). A segment centres on one index group
(with plausible neighbours: Divided shoppers also buy some Ladieswear, parents buy Baby/Children),
prefers some product types, colour families and appearances, and has a direction in the hidden
style space. That is the structure collaborative filtering can learn and popularity cannot: two
shoppers of one segment buy alike, shoppers of different segments buy differently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalog.demo_data import hierarchy, vocab
from catalog.demo_data.articles import STYLE_DIMENSIONS, Catalogue

# Enough segments that tastes are specific, few enough that each has many shoppers.
SEGMENTS = 64
# Log-preference for index groups other than the home group; neighbours are milder.
OTHER_GROUP_PENALTY = -3.5
NEIGHBOUR_GROUPS = {
    ("Ladieswear", "Divided"): -1.6,
    ("Divided", "Ladieswear"): -1.6,
    ("Ladieswear", "Sport"): -1.8,
    ("Menswear", "Sport"): -1.5,
    ("Sport", "Ladieswear"): -1.5,
    ("Sport", "Menswear"): -1.5,
    ("Baby/Children", "Ladieswear"): -1.6,
    ("Ladieswear", "Baby/Children"): -2.2,
}
# Spread (log scale) of preferences within the home group.
TYPE_SPREAD = 0.8
COLOUR_SPREAD = 0.6
FAVOURITE_COLOUR_BOOST = 1.0
APPEARANCE_SPREAD = 0.4
STYLE_SPREAD = 0.5
# How strongly an article's current demand (popularity x life cycle) sways every segment: below 1,
# best sellers sell a lot without drowning out what each segment likes.
DEMAND_WEIGHT = 0.75
# Share of its peak demand that a faded article keeps while it is still in the shop (the sale rail,
# see transactions.SALE_AFTER_WEEKS). Without it an article launched weeks before the data began
# sold nothing in it: 21% of the default demo's articles never sold (H&M: 1%), and the shop, which
# prices articles from their purchases, showed a fifth of its cards without a price. 0.05 leaves
# 2.2% unsold there (0.03: 2.8%; 1.0-1.3% at the benchmarks' 10,500 and 20,000 articles), most of
# them colours that arrive after the data's last week (as in H&M's file, new arrivals not sold
# yet), which the shop prices as their product's sold colours; 5 of 898 products never sold. It
# keeps best sellers changing week by week: an article launched during the data still sells a
# median 56-61% of its units in its first three weeks (tests/catalog, seeds 5-8; 61-64% without).
# Higher is not better: at 0.08-0.1 old stock takes sales from the last weeks' new arrivals, and
# 2.4-3% of the default demo's articles go unsold.
CLEARANCE_DEMAND = 0.05


@dataclass
class Tastes:
    affinity: np.ndarray  # (SEGMENTS, n_articles) float32: log-preference of a segment for an article
    home_group: np.ndarray  # (SEGMENTS,) position in hierarchy.INDEX_GROUPS
    share: np.ndarray  # (SEGMENTS,) probability that a shopper's main segment is this one


def draw_tastes(catalogue: Catalogue, rng: np.random.Generator) -> Tastes:
    group_names = [group.name for group in hierarchy.INDEX_GROUPS]
    shopper_share = np.array([group.shopper_share for group in hierarchy.INDEX_GROUPS])
    home = rng.choice(len(group_names), size=SEGMENTS, p=shopper_share / shopper_share.sum())

    group_preference = np.full((SEGMENTS, len(group_names)), OTHER_GROUP_PENALTY)
    for segment, home_group in enumerate(home):
        group_preference[segment, home_group] = 0.0
        for other, name in enumerate(group_names):
            penalty = NEIGHBOUR_GROUPS.get((group_names[home_group], name))
            if penalty is not None:
                group_preference[segment, other] = penalty

    type_preference = rng.normal(0.0, TYPE_SPREAD, (SEGMENTS, len(hierarchy.PRODUCT_TYPES)))
    colour_preference = rng.normal(0.0, COLOUR_SPREAD, (SEGMENTS, len(vocab.COLOUR_MASTERS)))
    for segment in range(SEGMENTS):
        favourites = rng.choice(len(vocab.COLOUR_MASTERS), size=2, replace=False)
        colour_preference[segment, favourites] += FAVOURITE_COLOUR_BOOST
    appearance_preference = rng.normal(0.0, APPEARANCE_SPREAD, (SEGMENTS, len(vocab.APPEARANCES)))
    style_direction = rng.normal(0.0, STYLE_SPREAD, (SEGMENTS, STYLE_DIMENSIONS))

    affinity = (
        group_preference[:, catalogue.group]
        + type_preference[:, catalogue.product_type]
        + colour_preference[:, catalogue.colour_master]
        + appearance_preference[:, catalogue.appearance]
        + style_direction @ catalogue.style.T
    ).astype(np.float32)
    share = rng.dirichlet(np.full(SEGMENTS, 4.0)) * shopper_share[home] / shopper_share.mean()
    return Tastes(affinity=affinity, home_group=home, share=share / share.sum())


def week_demand(catalogue: Catalogue, week: int) -> np.ndarray:
    """How much each article sells in a week before tastes: base popularity times its life cycle.

    Demand ramps up over the launch week, peaks, then halves every `half_life` weeks down to the
    clearance level (CLEARANCE_DEMAND of its peak); articles not launched yet sell nothing.
    """
    age = week - catalogue.launch_week
    ramp = 1.0 - np.exp(-(age + 1.0))
    fade = np.maximum(np.power(0.5, np.maximum(age, 0) / catalogue.half_life), CLEARANCE_DEMAND)
    life = np.where(age >= 0, ramp * fade, 0.0)
    return catalogue.popularity * life


def segment_cdfs(tastes: Tastes, demand: np.ndarray) -> np.ndarray:
    """Per segment, the cumulative distribution over articles of its next purchase this week."""
    with np.errstate(divide="ignore"):
        logits = tastes.affinity + DEMAND_WEIGHT * np.log(demand).astype(np.float32)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits, dtype=np.float64)
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    return cdf
