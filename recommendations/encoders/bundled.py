"""`bundled` backend: frozen EfficientNet-Lite + MiniLM towers, aligned by trained projection heads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from recommendations.encoders import silhouette
from recommendations.encoders.base import ContentEncoder, FloatMatrix, l2_normalise
from recommendations.encoders.efficientnet_tower import EfficientNetLiteTower, efficientnet_tower
from recommendations.encoders.heads import ProjectionHeads
from recommendations.encoders.minilm_tower import MiniLMTower, minilm_tower

if TYPE_CHECKING:
    from PIL.Image import Image


class BundledEncoder(ContentEncoder):
    """Image features: the EfficientNet part (colour, texture, kind of garment) and the silhouette
    part (outline, hence product type), each of unit length, concatenated and normalised again."""

    trains_heads = True
    image_tower_name = f"{EfficientNetLiteTower.name}+{silhouette.NAME}"
    shape_feature_dimension = silhouette.DIMENSION

    def __init__(self, heads: ProjectionHeads | None = None) -> None:
        # Without trained heads the space is a seeded random projection: the right shape, no meaning
        # yet (the content job's "untrained" baseline).
        self.heads = heads or ProjectionHeads.untrained(self.image_feature_dimension, MiniLMTower.dimension)
        # Heads only fit the image features they were trained on, so the name says which.
        self.name = f"bundled:{self.image_tower_name}+{MiniLMTower.name}"

    def with_heads(self, heads: ProjectionHeads) -> BundledEncoder:
        return BundledEncoder(heads)

    @property
    def dimension(self) -> int:
        return self.heads.dimension

    @property
    def image_feature_dimension(self) -> int:
        return EfficientNetLiteTower.dimension + silhouette.DIMENSION

    def preprocess_images(self, images: Sequence[Image]) -> np.ndarray:
        return efficientnet_tower().preprocess(images)

    def image_features_from_batch(self, batch: np.ndarray) -> FloatMatrix:
        appearance = efficientnet_tower().features_from_batch(batch)
        return l2_normalise(np.concatenate([appearance, silhouette.silhouette_features(batch)], axis=1))

    def text_features(self, texts: Sequence[str]) -> FloatMatrix:
        return minilm_tower().features(texts)

    def load_towers(self) -> None:
        efficientnet_tower()
        minilm_tower()

    def project_images(self, features: FloatMatrix) -> FloatMatrix:
        return self.heads.project_images(features)

    def project_texts(self, features: FloatMatrix) -> FloatMatrix:
        return self.heads.project_texts(features)
