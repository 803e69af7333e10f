"""The collaborative artifact on disk: `.npy` factors and id maps, hnswlib indexes, one JSON file.

Files are written into the training run's work folder; the registry renames the folder into
place and activates it. Loading checks the format version and every file, and raises on anything
missing or inconsistent, so that `recommendations.serving.active_model` can fall back to trending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recommendations.collaborative import ann
from recommendations.collaborative.als import Factors
from recommendations.collaborative.blend import BlendModel, BlendWeights
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.interactions import IdMap
from recommendations.collaborative.model import CollaborativeModel
from recommendations.collaborative.parameters import FORMAT_VERSION
from recommendations.collaborative.popularity import TrendTable

METADATA_FILE = "collaborative.json"
ARRAY_FILES = (
    "customer_ids",
    "article_ids",
    "customer_factors",
    "article_factors",
    "catalogue_article_ids",
    "catalogue_product_codes",
    "catalogue_group_codes",
    "trending_article_ids",
    "trending_scores",
)
INDEX_FILES = {
    "article_index": "articles_ip.hnsw",
    "similar_article_index": "articles_cosine.hnsw",
    "customer_index": "customers_cosine.hnsw",
}


class ArtifactError(Exception):
    """The artifact is missing, partial or from an incompatible format version."""


@dataclass
class TrainedModel:
    customer_map: IdMap
    article_map: IdMap
    factors: Factors
    indexes: dict[str, tuple[Any, ann.IndexReport]]  # INDEX_FILES key → (hnswlib index, report)
    catalogue: ArticleTable
    trend: TrendTable
    weights: BlendWeights
    alpha: float
    regularization: float
    matrix_half_life_days: float | None
    reference_day: int
    metrics: dict[str, float]


def save(model: TrainedModel, folder: Path) -> list[str]:
    """Writes every file of the artifact into `folder`; returns the file names written."""
    trend_ids, trend_scores = model.trend.arrays(model.catalogue)
    arrays = {
        "customer_ids": model.customer_map.ids.astype(np.int32),
        "article_ids": model.article_map.ids.astype(np.int64),
        "customer_factors": model.factors.customers,
        "article_factors": model.factors.articles,
        "catalogue_article_ids": model.catalogue.article_ids,
        "catalogue_product_codes": model.catalogue.product_codes,
        "catalogue_group_codes": model.catalogue.group_codes,
        "trending_article_ids": trend_ids,
        "trending_scores": trend_scores,
    }
    written = []
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        written.append(f"{name}.npy")
    for key, file_name in INDEX_FILES.items():
        ann.save_index(model.indexes[key][0], folder / file_name)
        written.append(file_name)
    metadata = {
        "format_version": FORMAT_VERSION,
        "dim": int(model.factors.articles.shape[1]),
        "indexes": {key: report.as_dict() for key, (_, report) in model.indexes.items()},
        "group_names": model.catalogue.group_names,
        "weights": model.weights.as_parameters(),
        "alpha": model.alpha,
        "regularization": model.regularization,
        "matrix_half_life_days": model.matrix_half_life_days,
        "reference_day": model.reference_day,
        "metrics": model.metrics,
    }
    (folder / METADATA_FILE).write_text(json.dumps(metadata, indent=1))
    written.append(METADATA_FILE)
    return written


def load(folder: Path) -> CollaborativeModel:
    try:
        metadata = json.loads((folder / METADATA_FILE).read_text())
    except (OSError, ValueError) as error:
        raise ArtifactError(f"{folder / METADATA_FILE}: {error}") from error
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{folder}: format version {metadata.get('format_version')!r}, this code reads {FORMAT_VERSION}"
        )
    arrays = {name: _load_array(folder, name) for name in ARRAY_FILES}
    dim = int(metadata["dim"])
    customers, articles = arrays["customer_factors"], arrays["article_factors"]
    if customers.shape != (len(arrays["customer_ids"]), dim) or articles.shape != (
        len(arrays["article_ids"]),
        dim,
    ):
        raise ArtifactError(f"{folder}: factor shapes do not match the id maps")
    indexes = {}
    for key, file_name in INDEX_FILES.items():
        report = metadata["indexes"][key]
        try:
            indexes[key] = ann.load_index(
                folder / file_name, space=report["space"], dim=dim, ef=int(report["ef"])
            )
        except (OSError, RuntimeError, ValueError) as error:
            raise ArtifactError(f"{folder / file_name}: {error}") from error
    catalogue = ArticleTable(
        arrays["catalogue_article_ids"],
        arrays["catalogue_product_codes"],
        arrays["catalogue_group_codes"],
        list(metadata["group_names"]),
    )
    trend = TrendTable.build(arrays["trending_article_ids"], arrays["trending_scores"], catalogue)
    article_map = IdMap(arrays["article_ids"])
    return CollaborativeModel(
        version=folder.name,
        customer_map=IdMap(arrays["customer_ids"]),
        article_map=article_map,
        customer_factors=customers,
        article_index=indexes["article_index"],
        similar_article_index=indexes["similar_article_index"],
        customer_index=indexes["customer_index"],
        blend_model=BlendModel.build(catalogue, trend, np.ascontiguousarray(articles), article_map.ids),
        weights=BlendWeights.from_mapping(metadata["weights"]),
        alpha=float(metadata["alpha"]),
        regularization=float(metadata["regularization"]),
        matrix_half_life_days=metadata["matrix_half_life_days"],
        reference_day=int(metadata["reference_day"]),
        metrics=metadata.get("metrics", {}),
    )


def _load_array(folder: Path, name: str) -> np.ndarray:
    path = folder / f"{name}.npy"
    try:
        # Customer factors are the one large array (350 MB at H&M scale): memory-mapped, the
        # page cache shares them between every web process on the machine.
        return np.load(path, mmap_mode="r" if name == "customer_factors" else None, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ArtifactError(f"{path}: {error}") from error
