"""The finishing step of the content job: gather vectors, train heads, index, evaluate, write files.

Runs once after the chunk tasks (or alone, when nothing needed embedding). Anything the chunks did
not cover (a photo imported since planning, a chunk that failed) is embedded here, so the
published index always covers every readable photo.
"""

from __future__ import annotations

import hashlib
import logging
import random
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

from recommendations.content.artifact import save_content
from recommendations.content.catalogue import CatalogueArticle, articles_with_photos
from recommendations.content.catalogue_images import embed_missing
from recommendations.content.evaluation import (
    COLOUR_TYPE_KEY,
    PATTERN_TYPE_KEY,
    TYPE_KEY,
    QuerySet,
    ann_recall_at_k,
    image_precision_at_k,
    keyword_scores,
    metadata_queries,
    precision_at_k,
    tune_shape_weight,
    unseen_phrasing_queries,
)
from recommendations.content.feature_cache import cached_vectors
from recommendations.content.shopper_photos import ShopperQueries, shopper_queries
from recommendations.content.texts import training_texts
from recommendations.content.vector_index import VectorIndex
from recommendations.encoders import get_encoder
from recommendations.encoders.base import ContentEncoder, FloatMatrix, batch_torch_threads, reweight_shape
from recommendations.encoders.heads import HeadTraining, ProjectionHeads, train_heads
from recommendations.registry import TrainingDataMissing

if TYPE_CHECKING:
    from recommendations.registry import TrainingContext

logger = logging.getLogger(__name__)

# Photo-to-photo precision compares every pair: a seeded sample of the training split keeps the
# silhouette-weight tuning to a second or two on a full catalogue.
MAX_TUNING_PHOTOS = 3000
# Shopper texts encoded per batch: a cancel or a progress report between batches, every second or so.
TEXT_BATCH = 512


def is_held_out(product_code: int, fraction: float, seed: int) -> bool:
    """Stable per product (not per article): colour variants of a held-out product stay unseen too."""
    digest = hashlib.sha256(f"{seed}:{product_code}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def _text_features_for(
    ctx: TrainingContext, encoder: ContentEncoder, texts: list[str]
) -> tuple[FloatMatrix, dict[str, int]]:
    """The text tower's features of each distinct text, a batch at a time: a run cancelled while
    thousands of texts are encoded stops within a batch (it took 17 s for 6,133 texts)."""
    unique = sorted(set(texts))
    batches = []
    for start in range(0, len(unique), TEXT_BATCH):
        ctx.check_cancelled()
        batches.append(encoder.text_features(unique[start : start + TEXT_BATCH]))
        done = start + len(batches[-1])
        ctx.progress(45 + 10 * done / len(unique), f"Encoded {done} of {len(unique)} shopper texts")
    features = np.concatenate(batches) if batches else encoder.text_features([])
    return features, {text: row for row, text in enumerate(unique)}


def _train_heads(
    ctx: TrainingContext, encoder: ContentEncoder, articles: list[CatalogueArticle], features: FloatMatrix
) -> ProjectionHeads:
    parameters = ctx.parameters
    rng = random.Random(parameters["seed"])
    texts: list[str] = []
    owners: list[int] = []
    for row, article in enumerate(articles):
        for text in training_texts(article.text, int(parameters["texts_per_article"]), rng):
            texts.append(text)
            owners.append(row)
    ctx.progress(45, f"Encoding {len(set(texts))} distinct shopper texts for {len(articles)} photos")
    unique_features, position = _text_features_for(ctx, encoder, texts)
    text_features = unique_features[[position[text] for text in texts]]
    options = HeadTraining(epochs=int(parameters["epochs"]), seed=int(parameters["seed"]))

    def on_epoch(epoch: int, loss: float) -> None:
        ctx.check_cancelled()
        ctx.progress(
            55 + 25 * (epoch + 1) / options.epochs, f"Training heads: epoch {epoch + 1}, loss {loss:.3f}"
        )

    return train_heads(features, text_features, np.asarray(owners, dtype=np.int64), options, on_epoch)


def _text_precision(encoder: ContentEncoder, queries: QuerySet, image_vectors: FloatMatrix) -> float:
    if not queries.texts:
        return 0.0
    return precision_at_k(encoder.embed_texts(queries.texts) @ image_vectors.T, queries.relevant)


def evaluate(
    *,
    trained: ContentEncoder,
    untrained: ContentEncoder | None,
    heldout: list[CatalogueArticle],
    heldout_features: FloatMatrix,
    shape_weight: float = 1.0,
    shopper: ShopperQueries | None = None,
) -> dict[str, float]:
    texts = [article.text for article in heldout]
    vectors = trained.project_images(heldout_features)
    colour_type = metadata_queries(texts, "{colour} {type}", COLOUR_TYPE_KEY)
    raw = reweight_shape(heldout_features, trained.shape_feature_dimension, shape_weight)
    types, colours = [article.product_type for article in heldout], [article.colour for article in heldout]
    metrics = {
        "text_p10_type": _text_precision(trained, metadata_queries(texts, "{type}", TYPE_KEY), vectors),
        "text_p10_colour_type": _text_precision(trained, colour_type, vectors),
        "text_p10_pattern_type": _text_precision(
            trained, metadata_queries(texts, "{pattern} {type}", PATTERN_TYPE_KEY), vectors
        ),
        "text_p10_unseen_phrasing": _text_precision(trained, unseen_phrasing_queries(texts), vectors),
        "text_p10_colour_type_keyword": precision_at_k(
            keyword_scores(colour_type.texts, [article.keyword_text for article in heldout]),
            colour_type.relevant,
        ),
        "image_p10_type": image_precision_at_k(vectors, types),
        "image_p10_colour": image_precision_at_k(vectors, colours),
        # The image tower's own features, silhouette weighted as "Looks like this" would use them.
        "image_p10_type_raw": image_precision_at_k(raw, types),
        "image_p10_colour_raw": image_precision_at_k(raw, colours),
        "evaluation_articles": float(len(heldout)),
        "evaluation_colour_type_queries": float(len(colour_type.texts)),
    }
    if shopper is not None:
        metrics |= _shopper_precision(trained, shopper, vectors, raw, types, colours, shape_weight)
    if untrained is not None:
        metrics["text_p10_colour_type_untrained"] = _text_precision(
            untrained, colour_type, untrained.project_images(heldout_features)
        )
    return metrics


def _shopper_precision(
    trained: ContentEncoder,
    shopper: ShopperQueries,
    vectors: FloatMatrix,
    raw: FloatMatrix,
    types: list[str],
    colours: list[str],
    shape_weight: float,
) -> dict[str, float]:
    """image_p10_{type,colour}[_raw]_{framing}: the held-out photos framed as shoppers frame theirs
    (shopper_photos.py), asked among the catalogue-framed held-out photos in either photo space."""
    metrics = {}
    for framing, features in shopper.features.items():
        spaces = {
            "": (vectors, trained.project_images(features)),
            "_raw": (raw, reweight_shape(features, trained.shape_feature_dimension, shape_weight)),
        }
        for space, (catalogue, queries) in spaces.items():
            for attribute, labels in (("type", types), ("colour", colours)):
                metrics[f"image_p10_{attribute}{space}_{framing}"] = image_precision_at_k(
                    catalogue, labels, queries=queries, query_rows=shopper.rows
                )
    return metrics


def shared_space_finds_photos_better(metrics: dict[str, float]) -> bool:
    """Which photo space "Looks like this" and shop the look search: the one whose held-out photos
    find more of the same product type and the same colour, the two things a shopper's photo of
    a garment shows. By type alone, the silhouette-weighted raw space won the demo by 0.004 while
    finding a third as many same-coloured garments (0.155 against 0.496 at 12): a photo of a red
    dress brought back dresses of every colour."""
    shared = metrics["image_p10_type"] + metrics["image_p10_colour"]
    raw = metrics["image_p10_type_raw"] + metrics["image_p10_colour_raw"]
    return shared >= raw


def train(ctx: TrainingContext) -> dict[str, float]:
    with batch_torch_threads():
        return _train(ctx)


def _train(ctx: TrainingContext) -> dict[str, float]:
    parameters = ctx.parameters
    backend = str(parameters.get("encoder") or settings.CONTENT_ENCODER)
    encoder = get_encoder(backend)
    ctx.progress(1, "Listing catalogue photos")
    catalogue = articles_with_photos()
    if not catalogue:
        raise TrainingDataMissing("No article has a photo yet: import a catalogue with images first.")

    def on_batch(done: int, total: int) -> None:
        ctx.check_cancelled()
        ctx.progress(
            5 + 30 * done / max(total, 1), f"Embedding photos the chunks did not cover: {done}/{total}"
        )

    embedded_here = embed_missing(encoder, [article.image for article in catalogue], on_batch)
    ctx.progress(36, "Reading cached photo vectors")
    by_hash = cached_vectors(encoder.image_tower_name, [article.image.sha256 for article in catalogue])
    indexed = [article for article in catalogue if article.image.sha256 in by_hash]
    if len(indexed) < len(catalogue):
        logger.warning(
            "Content run: %d photos could not be read and are left out", len(catalogue) - len(indexed)
        )
    features = np.stack([by_hash[article.image.sha256] for article in indexed]).astype(np.float32)

    fraction, seed = float(parameters["holdout_fraction"]), int(parameters["seed"])
    heldout_mask = np.array(
        [is_held_out(article.product_code, fraction, seed) for article in indexed], dtype=bool
    )
    training_rows = np.flatnonzero(~heldout_mask)
    heldout_rows = np.flatnonzero(heldout_mask)

    untrained: ContentEncoder | None = None
    trained = encoder
    if encoder.trains_heads:
        untrained = encoder
        heads = _train_heads(ctx, encoder, [indexed[row] for row in training_rows], features[training_rows])
        trained = encoder.with_heads(heads)

    ctx.check_cancelled()
    ctx.progress(81, "Weighing photo silhouettes against appearance on the training split")
    shape_weight, by_weight = _tune_shape_weight(trained, indexed, features, training_rows, seed)
    ctx.progress(82, f"Building the index over {len(indexed)} photos")
    vectors = trained.project_images(features)
    search_index = VectorIndex.build(vectors)

    heldout = [indexed[row] for row in heldout_rows]

    def on_shopper_batch(done: int, total: int) -> None:
        ctx.check_cancelled()
        ctx.progress(84 + 4 * done / max(total, 1), f"Framing held-out photos as shoppers do: {done}/{total}")

    shopper = shopper_queries(encoder, heldout, seed, on_shopper_batch)
    # Evaluating and writing the artifact take a while on a full catalogue: a cancel during them
    # stops the run there, instead of at the end with the bar at 100%.
    ctx.check_cancelled()
    ctx.progress(88, "Evaluating on held-out products")
    metrics = evaluate(
        trained=trained,
        untrained=untrained,
        heldout=heldout,
        heldout_features=features[heldout_rows],
        shape_weight=shape_weight,
        shopper=shopper,
    )
    metrics["ann_recall10"] = ann_recall_at_k(
        vectors, _recall_queries(trained, vectors, heldout), search_index.hnsw
    )

    similar_index = None
    if not shared_space_finds_photos_better(metrics):
        similar_index = VectorIndex.build(
            reweight_shape(features, trained.shape_feature_dimension, shape_weight)
        )
    metrics["looks_like_uses_shared_space"] = float(similar_index is None)
    metrics["looks_like_shape_weight"] = shape_weight
    if by_weight:
        # On the training split, beside appearance alone: what the silhouette part adds.
        metrics["train_image_p10_type_shape_weighted"] = by_weight[shape_weight]
        metrics["train_image_p10_type_appearance_only"] = by_weight[0.0]
    metrics["articles_indexed"] = float(len(indexed))
    metrics["photos_embedded_in_finishing_step"] = float(embedded_here)

    ctx.check_cancelled()
    ctx.progress(96, "Writing the artifact")
    save_content(
        ctx.workdir,
        encoder=trained,
        backend=backend,
        article_ids=np.array([article.article_id for article in indexed], dtype=np.int64),
        product_codes=np.array([article.product_code for article in indexed], dtype=np.int64),
        image_sha256s=[article.image.sha256 for article in indexed],
        facets={
            "index_group": [article.index_group for article in indexed],
            "product_type": [article.product_type for article in indexed],
            "colour": [article.colour for article in indexed],
        },
        search_index=search_index,
        similar_index=similar_index,
        shape_weight=shape_weight,
    )
    # No 100% here: the backbone reports it as it publishes (training_run_finish).
    return metrics


def _tune_shape_weight(
    encoder: ContentEncoder,
    indexed: list[CatalogueArticle],
    features: FloatMatrix,
    training_rows: np.ndarray,
    seed: int,
) -> tuple[float, dict[float, float]]:
    rows = training_rows
    if len(rows) > MAX_TUNING_PHOTOS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_TUNING_PHOTOS, replace=False))
    return tune_shape_weight(
        features[rows], [indexed[row].product_type for row in rows], encoder.shape_feature_dimension
    )


def _recall_queries(
    encoder: ContentEncoder, vectors: FloatMatrix, heldout: list[CatalogueArticle]
) -> FloatMatrix:
    """Photo queries (catalogue vectors) and text queries (held-out colour+type phrases), mixed."""
    texts = sorted({article.text.fill("{colour} {type}") for article in heldout})
    if not texts:
        return vectors
    return np.concatenate([vectors, encoder.embed_texts(texts)], axis=0)
