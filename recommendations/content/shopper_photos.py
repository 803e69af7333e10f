"""Catalogue photos re-framed the way shoppers frame theirs, to measure shop the look with.

A shopper photographs a garment on a bed, a wall or a table, from wherever they stand: the garment
is smaller and off-centre on a background that is not the studio's, or cropped tighter than a
product shot. The content run scores photo search with such queries made from its held-out
photos (`image_p10_*_framed`, `image_p10_*_cropped`), beside the catalogue-framed ones.

Deterministic for a seed and an article, whatever order the photos come in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PIL import Image

from recommendations.content.catalogue_images import open_catalogue_image
from recommendations.encoders.base import ContentEncoder, FloatMatrix
from recommendations.encoders.framing import garment_box

if TYPE_CHECKING:
    from recommendations.content.catalogue import CatalogueArticle

# Each held-out photo becomes one query per framing.
FRAMINGS = ("framed", "cropped")
# Share of the shopper's frame (its longer side) the garment's photo takes: small to half.
GARMENT_SHARE = (0.35, 0.6)
# Shapes of the shopper's frame (width / height): a phone held upright, sideways, or a square crop.
ASPECTS = (3 / 4, 4 / 3, 1.0)
# Light backgrounds: each channel in this range (of 255), so walls, sheets and tables, not black.
BACKGROUND_LEVELS = (175.0, 250.0)
# A light texture on half the backgrounds: grain (standard deviation, of 255) and a shading ramp
# across the frame (its full range), as on a lit wall or a sheet.
TEXTURE_GRAIN = 5.0
TEXTURE_RAMP = 24.0
# Garment pixels (for pasting without the studio background) differ from the studio colour by
# at least this much, fully opaque from GARMENT_OPAQUE: soft edges stay soft.
GARMENT_EDGE = 8.0
GARMENT_OPAQUE = 40.0
# The audit's tight crop: the central 80% of each side.
CROP_SHARE = 0.8
# Held-out photos asked as shopper queries (a seeded sample beyond this): on H&M's catalogue,
# framing and encoding every held-out photo twice would add minutes to each run for a precision
# that 1,000 queries already pin down to about 0.01.
MAX_SHOPPER_QUERIES = 1000


@dataclass(frozen=True)
class ShopperQueries:
    """The image tower's features of held-out photos framed as shoppers frame theirs."""

    # Which held-out photos were asked (rows of the held-out features).
    rows: npt.NDArray[np.int64]
    # FRAMINGS -> (len(rows), d) features, in the order of rows.
    features: dict[str, FloatMatrix]


def shopper_queries(
    encoder: ContentEncoder,
    heldout: Sequence[CatalogueArticle],
    seed: int,
    on_batch: Callable[[int, int], None] | None = None,
) -> ShopperQueries:
    """Each (sampled) held-out photo in every framing, through the encoder's own preprocessing,
    as an uploaded photo would go. Photos that can no longer be read are left out."""
    rows = np.arange(len(heldout), dtype=np.int64)
    if len(rows) > MAX_SHOPPER_QUERIES:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_SHOPPER_QUERIES, replace=False))
    asked: list[int] = []
    parts: dict[str, list[FloatMatrix]] = {framing: [] for framing in FRAMINGS}
    size = encoder.image_batch_size
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        batch = [(int(row), open_catalogue_image(heldout[row].image.path)) for row in chunk]
        readable = [(row, photo) for row, photo in batch if photo is not None]
        asked.extend(row for row, _ in readable)
        for framing in FRAMINGS:
            photos = [shopper_photo(photo, framing, seed, heldout[row].article_id) for row, photo in readable]
            parts[framing].append(encoder.image_features(photos))
        if on_batch is not None:
            on_batch(min(start + size, len(rows)), len(rows))
    empty = np.zeros((0, encoder.image_feature_dimension), dtype=np.float32)
    return ShopperQueries(
        rows=np.asarray(asked, dtype=np.int64),
        features={framing: np.concatenate([empty, *parts[framing]]) for framing in FRAMINGS},
    )


def shopper_photo(image: Image.Image, framing: str, seed: int, article_id: int) -> Image.Image:
    """`image` (a catalogue photo) framed as a shopper might: `framing` is one of FRAMINGS."""
    if framing == "framed":
        return off_centre(image, np.random.default_rng([seed, article_id]))
    if framing == "cropped":
        return centre_crop(image, CROP_SHARE)
    raise ValueError(f"Unknown framing {framing!r}: expected one of {', '.join(FRAMINGS)}.")


def centre_crop(image: Image.Image, share: float) -> Image.Image:
    width, height = image.size
    left, top = round(width * (1 - share) / 2), round(height * (1 - share) / 2)
    return image.crop((left, top, width - left, height - top))


def off_centre(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The garment, smaller, somewhere on a larger light (plain or lightly textured) background."""
    rgb = image.convert("RGB")
    aspect = ASPECTS[int(rng.integers(len(ASPECTS)))]
    long_side = max(rgb.size) / rng.uniform(*GARMENT_SHARE)
    width = round(long_side * min(1.0, aspect))
    height = round(long_side * min(1.0, 1 / aspect))
    canvas = _background(width, height, rng)
    left = int(rng.integers(0, width - rgb.width + 1))
    top = int(rng.integers(0, height - rgb.height + 1))
    canvas.paste(rgb, (left, top), _garment_mask(rgb))
    return canvas


def _background(width: int, height: int, rng: np.random.Generator) -> Image.Image:
    colour = rng.uniform(*BACKGROUND_LEVELS, size=3).astype(np.float32)
    pixels = np.broadcast_to(colour, (height, width, 3)).astype(np.float32)
    if rng.random() < 0.5:
        ramp = np.linspace(-TEXTURE_RAMP / 2, TEXTURE_RAMP / 2, width, dtype=np.float32)
        pixels = pixels + ramp[None, :, None] + rng.normal(0, TEXTURE_GRAIN, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _garment_mask(image: Image.Image) -> Image.Image | None:
    """How much each pixel is garment rather than studio background (None: paste it all)."""
    found = garment_box(image)
    if found is None:
        return None
    _, studio = found
    difference = np.abs(np.asarray(image, dtype=np.float32) - np.array(studio, np.float32)).max(axis=2)
    opacity = np.clip((difference - GARMENT_EDGE) / (GARMENT_OPAQUE - GARMENT_EDGE), 0.0, 1.0)
    return Image.fromarray((opacity * 255).astype(np.uint8))
