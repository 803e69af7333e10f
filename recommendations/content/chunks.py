"""The fan-out half of the content job: embedding catalogue photos in chunks on any worker.

`plan_chunks` lists only the photos whose frozen-tower vector is not cached yet, so a retrain
after a small import embeds only the new or changed photos. Each chunk is idempotent: a photo
that another worker (or an earlier attempt) already stored is skipped.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from catalog.models import Article
from recommendations.content.catalogue import articles_with_photos
from recommendations.content.catalogue_images import CatalogueImage, embed_missing
from recommendations.content.feature_cache import cached_hashes
from recommendations.content.parameters import DEFAULT_PARAMETERS
from recommendations.encoders import get_encoder
from recommendations.encoders.base import batch_torch_threads

if TYPE_CHECKING:
    from recommendations.registry import TrainingContext

logger = logging.getLogger(__name__)

# A few hundred photos keep one chunk to well under a minute on a 2-core worker (≈100 photos/s)
# while the per-task overhead stays negligible; 105k photos make ~400 chunks to spread.
DEFAULT_CHUNK_SIZE = DEFAULT_PARAMETERS["chunk_size"]


def plan_chunks(ctx: TrainingContext) -> list[dict[str, Any]]:
    backend = ctx.parameters.get("encoder") or None
    encoder = get_encoder(backend)
    chunk_size = int(ctx.parameters.get("chunk_size") or DEFAULT_CHUNK_SIZE)
    catalogue = articles_with_photos()
    cached = cached_hashes(encoder.image_tower_name)
    todo: list[int] = []
    seen: set[str] = set()
    for article in catalogue:
        sha = article.image.sha256
        if sha not in cached and sha not in seen:
            seen.add(sha)
            todo.append(article.article_id)
    ctx.progress(
        0, f"{len(todo)} of {len(catalogue)} photos need embedding; {len(catalogue) - len(todo)} reused"
    )
    return [
        {"encoder": backend or "", "article_ids": todo[start : start + chunk_size]}
        for start in range(0, len(todo), chunk_size)
    ]


def run_chunk(run_id: int, chunk: dict[str, Any]) -> None:
    encoder = get_encoder(chunk.get("encoder") or None)
    images = [
        CatalogueImage(sha256=sha, path=path)
        for path, sha in Article.objects.filter(article_id__in=chunk["article_ids"])
        .exclude(image="")
        .exclude(image_sha256="")
        .values_list("image", "image_sha256")
    ]
    with batch_torch_threads():
        embedded = embed_missing(encoder, images)
    logger.info("Content run %s: embedded %d of %d photos in this chunk", run_id, embedded, len(images))
