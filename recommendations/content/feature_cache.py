"""Reads and writes of the image feature cache (ImageEmbedding), in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from recommendations.content.models import ImageEmbedding

# Postgres handles IN lists of a few thousand hashes well; beyond that we page.
LOOKUP_PAGE = 2000
INSERT_BATCH = 500


def cached_hashes(tower: str, hashes: Iterable[str] | None = None) -> set[str]:
    """Which of `hashes` (all, when None) already have a vector for `tower`."""
    rows = ImageEmbedding.objects.filter(tower=tower)
    if hashes is None:
        return set(rows.values_list("image_sha256", flat=True))
    wanted = sorted(set(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_PAGE):
        page = wanted[start : start + LOOKUP_PAGE]
        found.update(rows.filter(image_sha256__in=page).values_list("image_sha256", flat=True))
    return found


def cached_vectors(tower: str, hashes: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
    wanted = sorted(set(hashes))
    vectors: dict[str, npt.NDArray[np.float32]] = {}
    for start in range(0, len(wanted), LOOKUP_PAGE):
        page = wanted[start : start + LOOKUP_PAGE]
        for sha, stored in (
            ImageEmbedding.objects.filter(tower=tower, image_sha256__in=page)
            .values_list("image_sha256", "vector")
            .iterator(chunk_size=LOOKUP_PAGE)
        ):
            vectors[sha] = ImageEmbedding.decode(stored)
    return vectors


def store_vectors(tower: str, hashes: Sequence[str], vectors: npt.NDArray[np.float32]) -> None:
    """Insert new vectors; a hash another worker stored meanwhile is kept (same image, same vector)."""
    rows = [
        ImageEmbedding(tower=tower, image_sha256=sha, vector=ImageEmbedding.encode(vector))
        for sha, vector in zip(hashes, vectors, strict=True)
    ]
    ImageEmbedding.objects.bulk_create(rows, batch_size=INSERT_BATCH, ignore_conflicts=True)
