"""`clip` backend: a real CLIP checkpoint through `transformers`, from a local folder or a model id.

CLIP's towers were trained together, so its image and text embeddings already share a space and
no heads are trained. `CLIP_MODEL` names a folder made by `save_pretrained` (see the README for
fetching openai/clip-vit-base-patch32 once on a machine with internet access) or a hub id that
is already in the local Hugging Face cache.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from recommendations.encoders import framing
from recommendations.encoders.base import ContentEncoder, FloatMatrix, configure_torch, l2_normalise
from recommendations.encoders.image_preprocessing import square_rgb

if TYPE_CHECKING:
    from PIL.Image import Image

BATCH_SIZE = 32


class ClipTowers:
    def __init__(self, source: str) -> None:
        if not source:
            raise RuntimeError(
                "CONTENT_ENCODER=clip needs CLIP_MODEL: a save_pretrained folder or a cached model id."
            )
        # Only a local folder or the local cache: serving never downloads weights.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import CLIPModel, CLIPProcessor

        configure_torch()
        self.model: Any = CLIPModel.from_pretrained(source, local_files_only=True)
        self.model.eval().requires_grad_(False)
        self.processor: Any = CLIPProcessor.from_pretrained(source, local_files_only=True)
        config: Any = self.model.config
        self.dimension = int(config.projection_dim)
        self.image_size = int(config.vision_config.image_size)


@cache
def clip_towers(source: str) -> ClipTowers:
    return ClipTowers(source)


class ClipEncoder(ContentEncoder):
    trains_heads = False

    def __init__(self, source: str) -> None:
        self.source = source
        self.name = f"clip:{source}"
        # Photos are framed like catalogue photos before the tower sees them (framing.py).
        self.image_tower_name = f"{self.name}+{framing.NAME}"

    @property
    def towers(self) -> ClipTowers:
        return clip_towers(self.source)

    def load_towers(self) -> None:
        _ = self.towers  # the property loads them, once per process

    @property
    def dimension(self) -> int:
        return self.towers.dimension

    @property
    def image_feature_dimension(self) -> int:
        return self.towers.dimension

    def preprocess_images(self, images: Sequence[Image]) -> np.ndarray:
        size = self.towers.image_size
        # Pad to a square first: CLIP's processor centre-crops, which would cut off a portrait
        # garment's top and bottom.
        squares = [square_rgb(image, size) for image in images]
        return np.asarray(
            self.towers.processor(images=squares, return_tensors="np")["pixel_values"], np.float32
        )

    def image_features_from_batch(self, batch: np.ndarray) -> FloatMatrix:
        import torch

        with torch.inference_mode():
            output = self.towers.model.get_image_features(pixel_values=torch.from_numpy(batch))
        return l2_normalise(_embedding_tensor(output).numpy())

    def text_features(self, texts: Sequence[str]) -> FloatMatrix:
        import torch

        towers = self.towers
        if not texts:
            return np.zeros((0, towers.dimension), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), BATCH_SIZE):
            tokens = towers.processor(
                text=list(texts[start : start + BATCH_SIZE]),
                padding=True,
                truncation=True,
                return_tensors="pt",
            )
            with torch.inference_mode():
                output = towers.model.get_text_features(
                    input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]
                )
                parts.append(_embedding_tensor(output).numpy())
        return l2_normalise(np.concatenate(parts, axis=0))

    def project_images(self, features: FloatMatrix) -> FloatMatrix:
        return features

    def project_texts(self, features: FloatMatrix) -> FloatMatrix:
        return features


def _embedding_tensor(output: Any) -> Any:
    # transformers 4 returns a tensor; 5 may return a model output whose pooled field holds it.
    if hasattr(output, "pooler_output"):
        return output.pooler_output
    return output
