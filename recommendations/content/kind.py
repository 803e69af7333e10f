"""The `content` model kind: photo and text embeddings, an HNSW index, search by text and by photo.

Listed in recommendations.registry.KIND_MODULES. Kept import-light: the heavy work lives in
chunks.py (embedding photos, fanned out to the `chunks` queue) and training.py (the finishing
step), which import torch and hnswlib only inside their functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recommendations.content.parameters import DEFAULT_PARAMETERS, PARAMETER_CHOICES, PARAMETER_RANGES
from recommendations.registry import ModelKind, TrainingContext

# 1: heads.npz + vectors.npy/hnsw.bin + facet arrays + content.json.
# 2: the same files, but every photo, the catalogue's as well as uploaded ones, is framed
#    (recommendations.encoders.framing) before it is encoded: a version 1 index holds vectors of
#    photos as they were, which framed queries must not be compared with.
FORMAT_VERSION = 2


def _train(ctx: TrainingContext) -> dict[str, float]:
    from recommendations.content.training import train

    return train(ctx)


def _load(folder: Path, manifest: dict[str, Any]) -> Any:
    from recommendations.content.artifact import load_content

    return load_content(folder, manifest)


def _plan_chunks(ctx: TrainingContext) -> list[dict[str, Any]]:
    from recommendations.content.chunks import plan_chunks

    return plan_chunks(ctx)


def _run_chunk(run_id: int, chunk: dict[str, Any]) -> None:
    from recommendations.content.chunks import run_chunk

    run_chunk(run_id, chunk)


KIND = ModelKind(
    name="content",
    label="Content search (photos and text)",
    format_version=FORMAT_VERSION,
    train=_train,
    load=_load,
    default_parameters=dict(DEFAULT_PARAMETERS),
    parameter_ranges=PARAMETER_RANGES,
    parameter_choices=PARAMETER_CHOICES,
    plan_chunks=_plan_chunks,
    run_chunk=_run_chunk,
)
