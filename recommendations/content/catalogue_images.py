"""Embedding the catalogue's own photos with the frozen image tower, feeding the cache.

Photos are read and preprocessed on a background thread while the tower runs on the previous
batch: Pillow's decoder and resize release the GIL, so the forward pass (which dominates) is
rarely left waiting for input. benchmarks/content_bench.py measures the result against a bare
forward pass over the same batches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from recommendations.content.feature_cache import cached_hashes, store_vectors
from recommendations.encoders.base import ContentEncoder, FloatMatrix

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogueImage:
    sha256: str
    # Relative to the media storage (Article.image).
    path: str


def open_catalogue_image(path: str) -> Image.Image | None:
    """A catalogue photo as RGB, or None (logged) when the file is missing or unreadable."""
    try:
        with default_storage.open(path, "rb") as handle, Image.open(handle) as image:
            image.load()
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as error:
        logger.warning("Skipping catalogue image %s: %s", path, error)
        return None


def _read_batches(
    images: Sequence[CatalogueImage],
    batch_size: int,
    preprocess: Callable[[list[Image.Image]], np.ndarray],
) -> Iterator[tuple[list[CatalogueImage], np.ndarray]]:
    def load(batch: Sequence[CatalogueImage]) -> tuple[list[CatalogueImage], np.ndarray]:
        opened = [(item, open_catalogue_image(item.path)) for item in batch]
        readable = [(item, image) for item, image in opened if image is not None]
        if not readable:
            return [], np.zeros((0,), dtype=np.float32)
        return [item for item, _ in readable], preprocess([image for _, image in readable])

    batches = [images[start : start + batch_size] for start in range(0, len(images), batch_size)]
    if not batches:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-reader") as reader:
        pending = reader.submit(load, batches[0])
        for next_batch in [*batches[1:], None]:
            current = pending.result()
            if next_batch is not None:
                pending = reader.submit(load, next_batch)
            yield current


def embed_catalogue_images(
    encoder: ContentEncoder,
    images: Sequence[CatalogueImage],
    on_batch: Callable[[int, int], None] | None = None,
) -> tuple[list[str], FloatMatrix]:
    """Frozen-tower features of the readable photos: (their hashes, (n, d) matrix)."""
    hashes: list[str] = []
    parts: list[FloatMatrix] = []
    done = 0
    for batch_items, batch in _read_batches(images, encoder.image_batch_size, encoder.preprocess_images):
        if batch_items:
            parts.append(encoder.image_features_from_batch(batch))
            hashes.extend(item.sha256 for item in batch_items)
        done += encoder.image_batch_size
        if on_batch is not None:
            on_batch(min(done, len(images)), len(images))
    if not parts:
        return [], np.zeros((0, encoder.image_feature_dimension), dtype=np.float32)
    return hashes, np.concatenate(parts, axis=0)


def embed_missing(
    encoder: ContentEncoder,
    images: Sequence[CatalogueImage],
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Embed and cache the photos whose hash has no vector for this tower yet; returns how many."""
    cached = cached_hashes(encoder.image_tower_name, (item.sha256 for item in images))
    seen: set[str] = set()
    todo = []
    for item in images:
        # Articles sharing a photo share its hash: embed it once.
        if item.sha256 not in cached and item.sha256 not in seen:
            seen.add(item.sha256)
            todo.append(item)
    if not todo:
        return 0
    hashes, features = embed_catalogue_images(encoder, todo, on_batch)
    store_vectors(encoder.image_tower_name, hashes, features)
    return len(hashes)
