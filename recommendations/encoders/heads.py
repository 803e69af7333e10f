"""Projection heads: the small trainable part that aligns two frozen towers in one space.

"Locked-tower" alignment: the image and text towers stay frozen, and two small MLPs map their
features into a shared space, trained with CLIP's symmetric InfoNCE loss on the catalogue's own
(photo, shopper text) pairs. Weights are saved as a plain `.npz` (no pickle) in the artifact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from recommendations.encoders.base import FloatMatrix, configure_torch, l2_normalise

SHARED_DIMENSION = 256
HIDDEN_DIMENSION = 512
# CLIP's initial temperature (0.07) and its cap on the learned logit scale (100).
INITIAL_LOGIT_SCALE = float(np.log(1 / 0.07))
MAX_LOGIT_SCALE = float(np.log(100.0))


@dataclass(frozen=True)
class HeadTraining:
    epochs: int = 60
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    # Dropping input features regularises the heads on catalogues of a few thousand photos.
    input_dropout: float = 0.1
    seed: int = 0


def _build_module(image_dimension: int, text_dimension: int, seed: int) -> Any:
    import torch
    from torch import nn

    class HeadPair(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.image = nn.Sequential(
                nn.Linear(image_dimension, HIDDEN_DIMENSION),
                nn.GELU(),
                nn.Linear(HIDDEN_DIMENSION, SHARED_DIMENSION),
            )
            self.text = nn.Sequential(
                nn.Linear(text_dimension, HIDDEN_DIMENSION),
                nn.GELU(),
                nn.Linear(HIDDEN_DIMENSION, SHARED_DIMENSION),
            )
            self.logit_scale = nn.Parameter(torch.tensor(INITIAL_LOGIT_SCALE))

    configure_torch()
    # Seeded so that "untrained heads" are one reproducible baseline, not a different draw per run.
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    module = HeadPair()
    torch.random.set_rng_state(generator_state)
    return module


class ProjectionHeads:
    def __init__(self, module: Any) -> None:
        self.module = module.eval()

    @classmethod
    def untrained(cls, image_dimension: int, text_dimension: int, seed: int = 0) -> ProjectionHeads:
        return cls(_build_module(image_dimension, text_dimension, seed))

    @property
    def image_dimension(self) -> int:
        return int(self.module.image[0].in_features)

    @property
    def text_dimension(self) -> int:
        return int(self.module.text[0].in_features)

    @property
    def dimension(self) -> int:
        return SHARED_DIMENSION

    def _project(self, layers: Any, features: FloatMatrix) -> FloatMatrix:
        import torch

        if len(features) == 0:
            return np.zeros((0, SHARED_DIMENSION), dtype=np.float32)
        with torch.inference_mode():
            projected = layers(torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))).numpy()
        return l2_normalise(projected)

    def project_images(self, features: FloatMatrix) -> FloatMatrix:
        return self._project(self.module.image, features)

    def project_texts(self, features: FloatMatrix) -> FloatMatrix:
        return self._project(self.module.text, features)

    def save(self, path: Path) -> None:
        arrays = {name: tensor.detach().numpy() for name, tensor in self.module.state_dict().items()}
        with path.open("wb") as handle:
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path: Path) -> ProjectionHeads:
        import torch

        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        module = _build_module(arrays["image.0.weight"].shape[1], arrays["text.0.weight"].shape[1], seed=0)
        module.load_state_dict({name: torch.from_numpy(array) for name, array in arrays.items()})
        return cls(module)


def train_heads(
    image_features: FloatMatrix,
    text_features: FloatMatrix,
    text_owner: npt.NDArray[np.int64],
    options: HeadTraining,
    on_epoch: Callable[[int, float], None] | None = None,
) -> ProjectionHeads:
    """Fit heads so that each image lands next to the texts written about it.

    `text_features[j]` describes the image `text_owner[j]`; an image usually has several texts
    (different phrasings), and each epoch pairs every image with one of them at random.
    `on_epoch(epoch, loss)` reports progress and may raise to cancel.
    """
    import torch

    # Dropout draws from torch's global generator: fork and seed it so that one catalogue always
    # trains to the same heads, whatever ran in this process before.
    with torch.random.fork_rng():
        torch.manual_seed(options.seed)
        module = _fit(image_features, text_features, text_owner, options, on_epoch)
    return ProjectionHeads(module)


def _fit(
    image_features: FloatMatrix,
    text_features: FloatMatrix,
    text_owner: npt.NDArray[np.int64],
    options: HeadTraining,
    on_epoch: Callable[[int, float], None] | None,
) -> Any:
    import torch
    import torch.nn.functional as functional

    module = _build_module(image_features.shape[1], text_features.shape[1], options.seed)
    module.train()
    optimiser = torch.optim.AdamW(
        module.parameters(), lr=options.learning_rate, weight_decay=options.weight_decay
    )
    images = torch.from_numpy(np.ascontiguousarray(image_features, dtype=np.float32))
    texts = torch.from_numpy(np.ascontiguousarray(text_features, dtype=np.float32))
    rng = np.random.default_rng(options.seed)
    # Texts grouped by the image they describe: image i owns by_owner[first[i] : first[i] + count[i]].
    by_owner = np.argsort(text_owner, kind="stable")
    count = np.bincount(text_owner, minlength=len(image_features))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    with_texts = np.flatnonzero(count > 0)
    total_steps = options.epochs * max(1, -(-len(with_texts) // options.batch_size))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=options.learning_rate, total_steps=total_steps
    )

    for epoch in range(options.epochs):
        order = rng.permutation(with_texts)
        chosen_texts = by_owner[first[order] + (rng.random(len(order)) * count[order]).astype(np.int64)]
        epoch_loss = 0.0
        for start in range(0, len(order), options.batch_size):
            batch_images = images[torch.from_numpy(order[start : start + options.batch_size])]
            batch_texts = texts[torch.from_numpy(chosen_texts[start : start + options.batch_size])]
            batch_images = functional.dropout(batch_images, options.input_dropout)
            batch_texts = functional.dropout(batch_texts, options.input_dropout)
            image_vectors = functional.normalize(module.image(batch_images), dim=1)
            text_vectors = functional.normalize(module.text(batch_texts), dim=1)
            logits = module.logit_scale.clamp(max=MAX_LOGIT_SCALE).exp() * image_vectors @ text_vectors.T
            targets = torch.arange(len(logits))
            loss = (
                functional.cross_entropy(logits, targets) + functional.cross_entropy(logits.T, targets)
            ) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            scheduler.step()
            epoch_loss += loss.item() * len(logits)
        if on_epoch is not None:
            on_epoch(epoch, epoch_loss / max(1, len(order)))
    return module
