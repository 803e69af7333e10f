"""`bundled` backend: frozen EfficientNet-Lite + MiniLM towers, aligned by trained projection heads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from recommendations.encoders.base import ContentEncoder, FloatMatrix
from recommendations.encoders.efficientnet_tower import EfficientNetLiteTower, efficientnet_tower
from recommendations.encoders.heads import ProjectionHeads
from recommendations.encoders.minilm_tower import MiniLMTower, minilm_tower

if TYPE_CHECKING:
    from PIL.Image import Image


class BundledEncoder(ContentEncoder):
    trains_heads = True
    image_tower_name = EfficientNetLiteTower.name

    def __init__(self, heads: ProjectionHeads | None = None) -> None:
        # Without trained heads the space is a seeded random projection: the right shape, no meaning
        # yet (the content job's "untrained" baseline).
        self.heads = heads or ProjectionHeads.untrained(
            EfficientNetLiteTower.dimension, MiniLMTower.dimension
        )
        self.name = f"bundled:{EfficientNetLiteTower.name}+{MiniLMTower.name}"

    def with_heads(self, heads: ProjectionHeads) -> BundledEncoder:
        return BundledEncoder(heads)

    @property
    def dimension(self) -> int:
        return self.heads.dimension

    @property
    def image_feature_dimension(self) -> int:
        return EfficientNetLiteTower.dimension

    def preprocess_images(self, images: Sequence[Image]) -> np.ndarray:
        return efficientnet_tower().preprocess(images)

    def image_features_from_batch(self, batch: np.ndarray) -> FloatMatrix:
        return efficientnet_tower().features_from_batch(batch)

    def text_features(self, texts: Sequence[str]) -> FloatMatrix:
        return minilm_tower().features(texts)

    def project_images(self, features: FloatMatrix) -> FloatMatrix:
        return self.heads.project_images(features)

    def project_texts(self, features: FloatMatrix) -> FloatMatrix:
        return self.heads.project_texts(features)
