"""Turning arbitrary photos into the square tensors an image tower expects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from recommendations.encoders.framing import frame_like_catalogue
from storefront.photo_pixels import plain_rgb

# Product photos (H&M's and the demo's) sit on a light background, so padding with white keeps
# a portrait garment whole and centred instead of cropping off its hem or stretching it.
PAD_COLOUR = (255, 255, 255)


def square_rgb(image: Image.Image, size: int) -> Image.Image:
    """The photo framed as catalogue photos are (its garment centred on a square of its own
    background; framing.py), or, where no garment stands out, the whole photo fitted into a
    white square. Either way a size-by-size RGB image, its aspect ratio kept."""
    rgb = plain_rgb(image)
    return ImageOps.pad(
        frame_like_catalogue(rgb), (size, size), method=Image.Resampling.BICUBIC, color=PAD_COLOUR
    )


def to_batch(images: Sequence[Image.Image], size: int, mean: float, std: float) -> npt.NDArray[np.float32]:
    """(n, size, size, 3) float32 scaled as (pixel - mean) / std, channels last."""
    batch = np.empty((len(images), size, size, 3), dtype=np.float32)
    for row, image in enumerate(images):
        batch[row] = np.asarray(square_rgb(image, size), dtype=np.float32)
    batch -= mean
    batch /= std
    return batch
