"""Small product photos for content tests: Fashion-MNIST garments, coloured and optionally striped.

The same recipe as the demo catalogue (a garment class, a colour, a pattern), at a size that
keeps the tests fast. Fashion-MNIST comes from the Debian package dataset-fashion-mnist.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = [
    "T-shirt",
    "Trousers",
    "Sweater",
    "Dress",
    "Coat",
    "Sandals",
    "Shirt",
    "Sneakers",
    "Bag",
    "Boots",
]
COLOURS = {
    "Black": (25, 25, 25),
    "White": (235, 235, 230),
    "Red": (200, 30, 30),
    "Blue": (30, 60, 200),
    "Green": (40, 140, 60),
    "Yellow": (230, 210, 40),
    "Pink": (240, 150, 180),
    "Beige": (215, 195, 160),
}
SIZE = 96


@cache
def _garments() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(FASHION_MNIST / "t10k-images-idx3-ubyte.gz") as handle:
        images = np.frombuffer(handle.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(FASHION_MNIST / "t10k-labels-idx1-ubyte.gz") as handle:
        labels = np.frombuffer(handle.read(), np.uint8, offset=8)
    return images, labels


def garment_photo(class_index: int, colour: str, striped: bool = False, variant: int = 0) -> Image.Image:
    images, labels = _garments()
    source = images[np.flatnonzero(labels == class_index)[variant]]
    alpha = (
        np.asarray(Image.fromarray(source).resize((SIZE, SIZE), Image.Resampling.BICUBIC), np.float32) / 255
    )
    tint = np.array(COLOURS[colour], np.float32) / 255
    if striped:
        rows = (np.arange(SIZE) // 6) % 2 == 0
        tint = np.where(rows[:, None, None], np.array([1.0, 1.0, 1.0], np.float32), tint[None, None, :])
    garment = tint * (0.55 + 0.45 * alpha[..., None])
    photo = (1 - alpha[..., None]) * 0.96 + alpha[..., None] * garment
    return Image.fromarray((np.clip(photo, 0, 1) * 255).astype(np.uint8))
