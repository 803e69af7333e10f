"""The content artifact: what a published version holds and how serving loads it.

Files (inside the version folder the backbone publishes):
  content.json                  encoder, spaces, counts (this module's own manifest)
  article_ids.npy, product_codes.npy, index_group.npy, product_type.npy, colour.npy
  photo_fingerprints.npy        each row's photo as embedded (Article.image_sha256's first
                                PHOTO_VERSION_CHARS); versions written before it lack it
  heads.npz                     projection heads (bundled encoder only)
  vectors.npy, hnsw.bin         catalogue photos in the shared text/image space
  similar_vectors.npy, similar_hnsw.bin
                                only when "Looks like this" measured better in the image tower's
                                own space (silhouette weighted by content.json's
                                shape_weight) than in the shared one
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from django.conf import settings

from catalog.models import PHOTO_VERSION_CHARS
from recommendations.content.vector_index import VectorIndex
from recommendations.encoders.base import ContentEncoder, reweight_shape

if TYPE_CHECKING:
    from PIL.Image import Image

CONTENT_FILE = "content.json"
HEADS_FILE = "heads.npz"
SIMILAR_PREFIX = "similar_"
FINGERPRINTS_FILE = "photo_fingerprints.npy"
FACETS = ("index_group", "product_type", "colour")


@dataclass
class ContentModel:
    encoder: ContentEncoder
    article_ids: npt.NDArray[np.int64]
    product_codes: npt.NDArray[np.int64]
    facets: dict[str, npt.NDArray[np.str_]]
    search_index: VectorIndex
    # The index "Looks like this" uses: the same object as search_index or one over raw features.
    similar_index: VectorIndex
    looks_like_space: str
    # Weight of the silhouette part in the raw space (recommendations.encoders.base.reweight_shape).
    shape_weight: float = 1.0
    # Each row's photo fingerprint (PHOTO_VERSION_CHARS of it); None for versions written before.
    photo_fingerprints: npt.NDArray[np.bytes_] | None = None

    def warm(self) -> None:
        """Runs both towers once: their first use builds them (about 2 s for the text tower), which
        a server does before its first shopper searches (serving.warm_up)."""
        from PIL import Image as PILImage

        self.encoder.embed_texts(["warm up"])
        self.encoder.embed_images([PILImage.new("RGB", (64, 64), "white")])

    def similar_query(self, image: Image) -> npt.NDArray[np.float32]:
        """A photo as a vector in the space of similar_index."""
        if self.looks_like_space != "raw":
            return self.encoder.embed_images([image])[0]
        features = self.encoder.image_features([image])
        return reweight_shape(features, self.encoder.shape_feature_dimension, self.shape_weight)[0]

    def row_of(self, article_id: int) -> int | None:
        row = int(np.searchsorted(self.article_ids, article_id))
        if row < len(self.article_ids) and self.article_ids[row] == article_id:
            return row
        return None

    def has_current_photo(self, row: int, image_sha256: str) -> bool:
        """Whether `row` holds the photo its article has now (`image_sha256`). A photo replaced
        since the index was built (the admin's upload, an import) is still indexed as the old one:
        matched on it, the article would show up for photos that look nothing like its new one."""
        if self.photo_fingerprints is None:
            return True
        return bool(self.photo_fingerprints[row] == _fingerprint(image_sha256))

    def allowed_rows(self, filters: dict[str, str]) -> npt.NDArray[np.bool_] | None:
        """Rows matching every facet filter (index_group, product_type, colour), or None for no filter."""
        mask: npt.NDArray[np.bool_] | None = None
        for facet, value in filters.items():
            if not value:
                continue
            matches = self.facets[facet] == value
            mask = matches if mask is None else mask & matches
        return mask


def save_content(
    folder: Path,
    *,
    encoder: ContentEncoder,
    backend: str,
    article_ids: npt.NDArray[np.int64],
    product_codes: npt.NDArray[np.int64],
    image_sha256s: list[str],
    facets: dict[str, list[str]],
    search_index: VectorIndex,
    similar_index: VectorIndex | None,
    shape_weight: float = 1.0,
) -> None:
    np.save(folder / "article_ids.npy", article_ids.astype(np.int64), allow_pickle=False)
    np.save(folder / "product_codes.npy", product_codes.astype(np.int64), allow_pickle=False)
    fingerprints = np.array([_fingerprint(sha) for sha in image_sha256s], dtype=f"S{PHOTO_VERSION_CHARS}")
    np.save(folder / FINGERPRINTS_FILE, fingerprints, allow_pickle=False)
    for facet in FACETS:
        np.save(folder / f"{facet}.npy", np.asarray(facets[facet], dtype=np.str_), allow_pickle=False)
    heads = getattr(encoder, "heads", None)
    if encoder.trains_heads and heads is not None:
        heads.save(folder / HEADS_FILE)
    search_index.save(folder)
    if similar_index is not None:
        similar_index.save(folder, SIMILAR_PREFIX)
    description = {
        "backend": backend,
        "encoder": encoder.name,
        "image_tower": encoder.image_tower_name,
        "dimension": encoder.dimension,
        "looks_like_space": "raw" if similar_index is not None else "projected",
        "shape_weight": shape_weight,
        "articles": len(article_ids),
    }
    (folder / CONTENT_FILE).write_text(json.dumps(description, indent=2))


def load_content(folder: Path, manifest: dict[str, Any] | None = None) -> ContentModel:
    """Raises on anything missing or inconsistent; serving turns that into None and falls back."""
    description = json.loads((folder / CONTENT_FILE).read_text())
    backend = description["backend"]
    if backend == "bundled":
        from recommendations.encoders.bundled import BundledEncoder
        from recommendations.encoders.heads import ProjectionHeads

        encoder: ContentEncoder = BundledEncoder(ProjectionHeads.load(folder / HEADS_FILE))
    elif backend == "clip":
        from recommendations.encoders.clip import ClipEncoder

        encoder = ClipEncoder(settings.CLIP_MODEL)
    else:
        raise ValueError(f"Unknown content encoder backend {backend!r} in {folder}.")
    if encoder.name != description["encoder"]:
        # Vectors from another model are meaningless to this one's queries.
        raise ValueError(
            f"{folder} was built with {description['encoder']}, this process has {encoder.name}."
        )
    article_ids = np.load(folder / "article_ids.npy", allow_pickle=False)
    search_index = VectorIndex.load(folder)
    if len(search_index) != len(article_ids):
        raise ValueError(f"{folder}: {len(search_index)} vectors for {len(article_ids)} articles.")
    fingerprints = None
    if (folder / FINGERPRINTS_FILE).exists():
        fingerprints = np.load(folder / FINGERPRINTS_FILE, allow_pickle=False)
        if len(fingerprints) != len(article_ids):
            raise ValueError(
                f"{folder}: {len(fingerprints)} photo fingerprints for {len(article_ids)} articles."
            )
    similar_index = (
        VectorIndex.load(folder, SIMILAR_PREFIX) if description["looks_like_space"] == "raw" else search_index
    )
    return ContentModel(
        encoder=encoder,
        article_ids=article_ids,
        product_codes=np.load(folder / "product_codes.npy", allow_pickle=False),
        facets={facet: np.load(folder / f"{facet}.npy", allow_pickle=False) for facet in FACETS},
        search_index=search_index,
        similar_index=similar_index,
        looks_like_space=description["looks_like_space"],
        shape_weight=float(description.get("shape_weight", 1.0)),
        photo_fingerprints=fingerprints,
    )


def _fingerprint(image_sha256: str) -> bytes:
    return image_sha256[:PHOTO_VERSION_CHARS].encode()
