"""A garment's silhouette against the studio background: the shape part of a photo's features.

ImageNet features of colourful, patterned garments are dominated by colour and texture, while the
product type (a vest top beside a T-shirt, a crop top beside a top) is mostly a matter of outline.
Product photos sit on a plain light background, so the outline is cheap to read off directly: the
pixels that differ from the background (estimated per photo from its border) and from the white
padding of preprocessing, averaged over a coarse grid. Measured on the demo catalogue's held-out
photos: precision@10 by product type 0.73 from this alone against 0.56 from EfficientNet-Lite0.

Pure numpy over the already preprocessed batch: well under a millisecond per photo.
"""

from __future__ import annotations

import numpy as np

from recommendations.encoders.base import FloatMatrix, l2_normalise

# 20x20 cells of 8 px at 160 px: enough for sleeve length, width and hem (16 and 32 measured the same).
GRID = 20
# A pixel belongs to the garment when a channel differs from the background by more than this, in
# the [-1, 1] pixel scale (about 6 of 255 levels: above JPEG noise, below pale garments' shading;
# 0.04-0.1 measured within 0.02 of each other).
THRESHOLD = 0.05
# Padding colour of preprocessing (white) in the [-1, 1] scale.
PAD_VALUE = 1.0
NAME = f"silhouette{GRID}"
DIMENSION = GRID * GRID


def silhouette_features(batch: np.ndarray) -> FloatMatrix:
    """(n, GRID*GRID) share of garment pixels per cell for a (n, H, W, 3) batch scaled to [-1, 1]."""
    count, height, width = batch.shape[:3]
    if count == 0:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    not_padding = np.abs(batch - PAD_VALUE).max(axis=3) > THRESHOLD
    garment = not_padding & (np.abs(batch - _background(batch, not_padding)).max(axis=3) > THRESHOLD)
    rows = np.linspace(0, height, GRID + 1).round().astype(np.int64)
    columns = np.linspace(0, width, GRID + 1).round().astype(np.int64)
    cells = np.add.reduceat(
        np.add.reduceat(garment.astype(np.float32), rows[:-1], axis=1), columns[:-1], axis=2
    )
    cells /= np.outer(np.diff(rows), np.diff(columns)).astype(np.float32)[None]
    return l2_normalise(cells.reshape(count, DIMENSION))


def _background(batch: np.ndarray, not_padding: np.ndarray) -> np.ndarray:
    """(n, 1, 1, 3): the median colour of each photo's border, leaving out the white padding (a
    portrait photo's left and right edges are all padding). The median is the studio background
    even where the garment touches an edge."""
    border = np.concatenate([batch[:, 0], batch[:, -1], batch[:, :, 0], batch[:, :, -1]], axis=1)
    keep = np.concatenate(
        [not_padding[:, 0], not_padding[:, -1], not_padding[:, :, 0], not_padding[:, :, -1]], axis=1
    )
    colours = np.where(keep[..., None], border, np.nan)
    # A border that is all padding (or a white studio): the background is the padding colour.
    has_studio: np.ndarray = np.asarray(keep.any(axis=1))
    safe = np.where(has_studio[:, None, None], colours, PAD_VALUE)
    background = np.nanmedian(safe, axis=1)
    return background[:, None, None, :].astype(np.float32)
