"""The demo catalogue: products with colour variants, their hierarchy, names, descriptions and life cycles.

A product (one `product_code`) has 1-12 colour variants (articles); variants share the name, the
type, the photo shape and the latent style, and differ in colour (and sometimes appearance), as at
H&M. Each product also gets what the purchase simulation needs: a launch week, a half-life of
demand, a heavy-tailed base popularity and a price.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from catalog.demo_data import hierarchy, vocab
from catalog.importer.schema import ARTICLES

# H&M's product codes run from 0108775 to 0959461; article_id = product_code * 1000 + variant.
PRODUCT_CODE_RANGE = (108775, 959999)
# Real data: 105,542 articles over 47,224 product codes, about 2.2 variants each.
VARIANT_STOP_PROBABILITY = 0.45
MAX_VARIANTS = 12
# Catalogue share of each index group (real articles.csv: ladieswear ~39%, children ~22%, ...).
CATALOGUE_GROUP_SHARES = {1: 0.37, 2: 0.16, 3: 0.15, 4: 0.23, 26: 0.09}
# Style dimensions shoppers' tastes act on beyond the visible attributes (see shoppers.py).
STYLE_DIMENSIONS = 6
# Demand life cycle: half-life in weeks, log-normal around this median. Fast fashion sells most
# of an article in its first weeks (H&M's best sellers change almost completely from one week to
# the next): with a 1.5-week median, the median article launched during the data sells 56-61% of
# its units in its first three weeks (tests/catalog, seeds 5-8; 61-64% before faded articles kept
# tastes.CLEARANCE_DEMAND, 45% with the old 5-week median).
# Basics (evergreens: socks, tights, plain tops) sell steadily and are the articles customers
# re-buy in cycles (see transactions.py).
MEDIAN_HALF_LIFE_WEEKS = 1.5
EVERGREEN_SHARE = 0.12
EVERGREEN_HALF_LIFE_WEEKS = 60.0
# Share of products launched before the first simulated week (the catalogue is never empty).
LAUNCHED_BEFORE_SHARE = 0.35
LAUNCHED_BEFORE_WEEKS = 30
# Popularity across products is Zipf-like, as in every shop's sales. 0.8 (was 0.35) put about
# 70% of the default demo's sales in its top 10% of articles (66% since faded articles keep
# tastes.CLEARANCE_DEMAND; the ratios that follow were measured before it), and last week's best
# sellers then scored 76% of a plain ALS's MAP@12 there and 67% on a 50,000-customer /
# 6,000-article set (0.6: 70% and 41%); on H&M's data they beat it.
ZIPF_EXPONENT = 0.8
SEK_PER_PRICE_UNIT = 5900.0


@dataclass
class Catalogue:
    """Per-article arrays (index = article position in articles.csv)."""

    article_id: np.ndarray  # int64
    product: np.ndarray  # product position, int
    group: np.ndarray  # position in hierarchy.INDEX_GROUPS
    product_type: np.ndarray  # position in hierarchy.PRODUCT_TYPES
    colour: np.ndarray  # position in vocab.COLOURS
    colour_master: np.ndarray  # position in vocab.COLOUR_MASTERS
    appearance: np.ndarray  # position in vocab.APPEARANCES
    style: np.ndarray  # (n, STYLE_DIMENSIONS) float
    launch_week: np.ndarray  # int, may be negative (launched before the data starts)
    half_life: np.ndarray  # weeks
    basic: np.ndarray  # bool: an evergreen, sold all season and re-bought in cycles
    popularity: np.ndarray  # base demand weight
    price_sek: np.ndarray  # full price
    photo_pick: np.ndarray  # uniform [0, 1): which photo of its class the product uses
    product_first: np.ndarray  # per product: position of its first article
    product_size: np.ndarray  # per product: number of variants

    @property
    def size(self) -> int:
        return len(self.article_id)


def write_catalogue(path: Path, n_articles: int, weeks: int, rng: np.random.Generator) -> Catalogue:
    """Draws the catalogue, writes articles.csv row by row and returns the per-article arrays."""
    sizes = _variant_counts(n_articles, rng)
    n_products = len(sizes)
    low, high = PRODUCT_CODE_RANGE
    if n_products > high - low:
        raise ValueError(f"{n_articles} articles need more product codes than H&M's range holds")
    codes = np.sort(rng.choice(high - low, size=n_products, replace=False) + low)

    groups = rng.choice(len(hierarchy.INDEX_GROUPS), size=n_products, p=_group_shares())
    types = np.array([_pick_type(int(group), rng) for group in groups])
    launch = np.where(
        rng.random(n_products) < LAUNCHED_BEFORE_SHARE,
        -rng.integers(1, LAUNCHED_BEFORE_WEEKS + 1, n_products),
        rng.integers(0, weeks, n_products),
    )
    evergreen = rng.random(n_products) < EVERGREEN_SHARE
    half_life = np.where(
        evergreen,
        EVERGREEN_HALF_LIFE_WEEKS,
        MEDIAN_HALF_LIFE_WEEKS * np.exp(rng.normal(0.0, 0.5, n_products)),
    )
    ranks = rng.permutation(n_products) + 1
    product_popularity = ranks.astype(np.float64) ** -ZIPF_EXPONENT
    style = rng.normal(0.0, 1.0, (n_products, STYLE_DIMENSIONS))
    photo_pick = rng.random(n_products)

    first = np.cumsum(sizes) - sizes
    product_of_article = np.repeat(np.arange(n_products), sizes)
    variant_no = np.arange(n_articles) - first[product_of_article]
    colours = np.empty(n_articles, dtype=np.int64)
    appearances = np.empty(n_articles, dtype=np.int64)
    prices = np.empty(n_products, dtype=np.float64)
    colour_weights = np.array([colour.weight for colour in vocab.COLOURS], dtype=np.float64)
    colour_weights /= colour_weights.sum()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ARTICLES.header)
        for product in range(n_products):
            product_type = hierarchy.PRODUCT_TYPES[types[product]]
            group = hierarchy.INDEX_GROUPS[groups[product]]
            index = _pick_index(group.no, product_type, rng)
            section_no, section_name = _pick_section(index, product_type, rng)
            department_no, department_name = _department(index, product_type)
            prices[product] = float(rng.choice(product_type.prices_sek)) - 0.01
            main_pattern = _pick_pattern(product_type, rng)
            size = int(sizes[product])
            product_colours = rng.choice(len(vocab.COLOURS), size=size, replace=False, p=colour_weights)
            name = _product_name(group, product_type, rng)
            wording = _Wording.draw(product_type, rng)
            for variant in range(size):
                position = first[product] + variant
                keep = variant == 0 or rng.random() < 0.7
                pattern = main_pattern if keep else _pick_pattern(product_type, rng)
                appearance = vocab.APPEARANCE_BY_PATTERN[pattern]
                colour = vocab.COLOURS[product_colours[variant]]
                colours[position] = product_colours[variant]
                appearances[position] = vocab.APPEARANCES.index(appearance)
                garment_group = product_type.garment_group
                if pattern == "denim" and product_type.photo_class == hierarchy.TROUSER:
                    garment_group = hierarchy.DENIM_GARMENT_GROUP
                if product_type.name == "Dress" and group.no == 4:
                    garment_group = hierarchy.KIDS_DRESS_GARMENT_GROUP
                writer.writerow(
                    [
                        f"{int(codes[product]) * 1000 + variant + 1:010d}",
                        f"{codes[product]:07d}",
                        name,
                        product_type.no,
                        product_type.name,
                        product_type.product_group,
                        appearance.no,
                        appearance.name,
                        f"{colour.code:02d}",
                        colour.name,
                        colour.value_id,
                        colour.value_name,
                        colour.master_id,
                        colour.master_name,
                        department_no,
                        department_name,
                        index.code,
                        index.name,
                        group.no,
                        group.name,
                        section_no,
                        section_name,
                        garment_group[0],
                        garment_group[1],
                        wording.describe(product_type, appearance),
                    ]
                )

    # Later colour variants sometimes arrive a few weeks after the product's launch.
    late_variant = (variant_no > 0) & (rng.random(n_articles) < 0.2)
    variant_factor = np.where(variant_no == 0, 1.0, np.exp(rng.normal(-0.4, 0.6, n_articles)))
    master_of_colour = np.array([vocab.COLOUR_MASTERS.index(colour.master_name) for colour in vocab.COLOURS])
    return Catalogue(
        article_id=codes[product_of_article].astype(np.int64) * 1000 + variant_no + 1,
        product=product_of_article,
        group=groups[product_of_article],
        product_type=types[product_of_article],
        colour=colours,
        colour_master=master_of_colour[colours],
        appearance=appearances,
        style=style[product_of_article] + rng.normal(0.0, 0.3, (n_articles, STYLE_DIMENSIONS)),
        launch_week=launch[product_of_article] + np.where(late_variant, rng.integers(1, 7, n_articles), 0),
        half_life=half_life[product_of_article],
        basic=evergreen[product_of_article],
        popularity=product_popularity[product_of_article] * variant_factor,
        price_sek=prices[product_of_article],
        photo_pick=photo_pick,
        product_first=first,
        product_size=sizes,
    )


def _variant_counts(n_articles: int, rng: np.random.Generator) -> np.ndarray:
    estimate = int(n_articles * VARIANT_STOP_PROBABILITY) + 16
    sizes = np.minimum(rng.geometric(VARIANT_STOP_PROBABILITY, estimate), MAX_VARIANTS)
    while sizes.sum() < n_articles:
        sizes = np.concatenate(
            [sizes, np.minimum(rng.geometric(VARIANT_STOP_PROBABILITY, estimate), MAX_VARIANTS)]
        )
    cumulative = np.cumsum(sizes)
    n_products = int(np.searchsorted(cumulative, n_articles) + 1)
    sizes = sizes[:n_products].copy()
    sizes[-1] -= int(cumulative[n_products - 1] - n_articles)
    return sizes


def _group_shares() -> np.ndarray:
    shares = np.array([CATALOGUE_GROUP_SHARES[group.no] for group in hierarchy.INDEX_GROUPS])
    return shares / shares.sum()


def _pick_type(group_position: int, rng: np.random.Generator) -> int:
    group_no = hierarchy.INDEX_GROUPS[group_position].no
    weights = np.array(
        [dict(product_type.group_weights).get(group_no, 0.0) for product_type in hierarchy.PRODUCT_TYPES]
    )
    return int(rng.choice(len(weights), p=weights / weights.sum()))


# Lingerie/tights index B sells only these garments.
_LINGERIE_TYPES = {"Leggings/Tights", "Vest top", "Top"}


def _pick_index(
    group_no: int, product_type: hierarchy.ProductType, rng: np.random.Generator
) -> hierarchy.Index:
    kind = (
        product_type.product_group
        if product_type.product_group in (hierarchy.SHOES, hierarchy.ACCESSORIES)
        else "garments"
    )
    candidates = [
        index
        for index in hierarchy.INDEXES
        if index.group_no == group_no
        and kind in index.sells
        and (index.code != "B" or product_type.name in _LINGERIE_TYPES)
    ]
    return candidates[int(rng.integers(len(candidates)))]


def _pick_section(
    index: hierarchy.Index, product_type: hierarchy.ProductType, rng: np.random.Generator
) -> tuple[int, str]:
    def sells(name: str) -> str:
        lowered = name.lower()
        if "shoes" in lowered:
            return hierarchy.SHOES
        if "accessories" in lowered or "complements other" in lowered:
            return hierarchy.ACCESSORIES
        return "garments"

    kind = (
        product_type.product_group
        if product_type.product_group in (hierarchy.SHOES, hierarchy.ACCESSORIES)
        else "garments"
    )
    candidates = [section for section in index.sections if sells(section[1]) == kind] or list(index.sections)
    return candidates[int(rng.integers(len(candidates)))]


_FAMILIES = tuple(dict.fromkeys(product_type.family for product_type in hierarchy.PRODUCT_TYPES))
_DEPARTMENT_PREFIX = {
    "B": "Lingerie",
    "D": "Divided",
    "F": "Men",
    "G": "Baby",
    "H": "Kids",
    "I": "Young",
    "J": "Kids",
    "S": "Sport",
}


def _department(index: hierarchy.Index, product_type: hierarchy.ProductType) -> tuple[int, str]:
    # One department per (index, family), numbered like H&M's four-digit department numbers.
    number = 1000 + 100 * hierarchy.INDEXES.index(index) + _FAMILIES.index(product_type.family)
    prefix = _DEPARTMENT_PREFIX.get(index.code)
    return number, f"{prefix} {product_type.family}" if prefix else product_type.family


def _pick_pattern(product_type: hierarchy.ProductType, rng: np.random.Generator) -> str:
    weights = np.array([vocab.APPEARANCE_BY_PATTERN[pattern].weight for pattern in product_type.patterns])
    return product_type.patterns[int(rng.choice(len(weights), p=weights / weights.sum()))]


def _product_name(
    group: hierarchy.IndexGroup, product_type: hierarchy.ProductType, rng: np.random.Generator
) -> str:
    noun = product_type.name_nouns[int(rng.integers(len(product_type.name_nouns)))]
    if rng.random() < 0.6:
        return f"{group.given_names[int(rng.integers(len(group.given_names)))]} {noun}"
    fits = vocab.FITS[product_type.photo_class]
    drawn = int(rng.integers(len(fits)))
    # Not "Padded padded jacket" or "Slim-fit slim jeans": the first fit from the one drawn on that
    # repeats no word of the noun. Drawn as before, so the other names and the stream stay as they were.
    fit = next(
        fits[(drawn + step) % len(fits)]
        for step in range(len(fits))
        if not _words(fits[(drawn + step) % len(fits)]) & _words(noun)
    )
    name = f"{fit} {noun}"
    return name[0].upper() + name[1:].lower() if noun[0].islower() else name


def _words(text: str) -> set[str]:
    """The words of a name, hyphenated ones apart ("Slim-fit" is "slim" and "fit")."""
    return set(re.split(r"[\s-]+", text.lower()))


@dataclass(frozen=True)
class _Wording:
    """The product's description choices; each variant words its own appearance into them."""

    fit: str
    material: str
    details: tuple[str, str]
    closer: str

    @classmethod
    def draw(cls, product_type: hierarchy.ProductType, rng: np.random.Generator) -> _Wording:
        photo_class = product_type.photo_class

        def pick(options: tuple[str, ...]) -> str:
            return options[int(rng.integers(len(options)))]

        details = vocab.DETAILS[photo_class]
        first, second = rng.choice(len(details), size=2, replace=False)
        return cls(
            pick(vocab.FITS[photo_class]),
            pick(vocab.MATERIALS[photo_class]),
            (details[first], details[second]),
            pick(vocab.CLOSERS),
        )

    def describe(self, product_type: hierarchy.ProductType, appearance: vocab.Appearance) -> str:
        material = self.material
        if appearance.pattern == "denim":
            material = "washed denim"
        elif appearance.adjective and appearance.pattern != "front_print":
            bare = material.split(" ", 1)[1] if material.startswith(("a ", "an ")) else material
            material = f"{'a ' if bare != material else ''}{appearance.adjective} {bare}"
        sentences = [
            f"{self.fit} {product_type.description_noun} in {material} with "
            f"{self.details[0]} and {self.details[1]}."
        ]
        if appearance.pattern == "front_print":
            sentences.append("Printed motif on the front.")
        if self.closer:
            sentences.append(self.closer)
        return " ".join(sentences)
