"""Serving the content model: "Looks like this", search by text, search by photo.

Each function reads the active content version through recommendations.serving.active_model
(loaded lazily, once per process, reloaded when staff activate another version) and returns
[] when there is none, so pages simply leave the slot out or fall back to lexical search.
The towers behind the encoder are loaded once per process: in a web server's arbiter before it
forks (encoder_towers_preload), else when a worker loads the version.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from catalog.models import Article
from recommendations.types import Recommendation

if TYPE_CHECKING:
    from PIL.Image import Image

    from recommendations.content.artifact import ContentModel
    from recommendations.content.vector_index import SearchHits, VectorIndex

logger = logging.getLogger(__name__)

# Colour variants of one product are listed as swatches already; "Looks like this" shows other
# products, so it asks the index for enough extra neighbours to drop them (H&M products have at
# most a few dozen variants).
VARIANT_OVERFETCH = 32
# Searches ask the index for a few more hits than they show: articles removed from the catalogue
# since the index was built are skipped, and the list should still be full.
SPARE_HITS = 8


@dataclass(frozen=True)
class SearchFilters:
    """Facet filters shared by search by text and by photo; empty strings mean "any"."""

    index_group: str = ""
    product_type: str = ""
    colour: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"index_group": self.index_group, "product_type": self.product_type, "colour": self.colour}

    def matches(self, article: Article) -> bool:
        return (
            (not self.index_group or article.index_group_name == self.index_group)
            and (not self.product_type or article.product_type_name == self.product_type)
            and (not self.colour or article.colour_group_name == self.colour)
        )


@dataclass
class SearchTimings:
    """Where the time of one search went, in seconds (the benchmark reads it)."""

    encode: float = 0.0
    index: float = 0.0
    database: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def content_model() -> ContentModel | None:
    from recommendations.content.artifact import ContentModel
    from recommendations.serving import active_model

    model = active_model("content")
    return model if isinstance(model, ContentModel) else None


def encoder_towers_preload() -> None:
    """Load the active content version's encoder towers into this process. A web server's arbiter
    calls it before it forks its workers (gunicorn.conf.py): torch, transformers and the towers'
    weights, about 300 MB, then sit in pages every worker shares instead of in a copy of each
    worker's own, and each worker's warm-up only loads the version's artifact. A shop without a
    content version keeps its arbiter small; one whose first version is trained after the server
    started (or whose database was down then) has each worker load its own towers."""
    from django.db import connections

    from recommendations.encoders import get_encoder
    from recommendations.models import ModelVersion

    try:
        path = ModelVersion.objects.active().filter(kind="content").values_list("path", flat=True).first()
    except Exception as error:
        logger.warning(
            "Could not look for an active content version (%s: %s); each worker loads its own towers.",
            type(error).__name__,
            " ".join(str(error).split()),
        )
        return
    finally:
        # A connection opened before the fork would be one socket shared by every worker.
        connections.close_all()
    if not path:
        return
    logger.info("Loading the content encoder's towers for every worker.")
    started = time.monotonic()
    try:
        # The version's own backend, as load_content reads it: staff may train one with another
        # encoder than CONTENT_ENCODER, and towers the workers do not use would only cost memory.
        get_encoder(active_content_backend(path)).load_towers_before_fork()
    except Exception:
        # Each worker then tries again itself and falls back as before; the server still starts.
        logger.exception("Could not load the content encoder's towers before starting the workers.")
        return
    logger.info("Loaded the content encoder's towers for every worker in %.2f s.", time.monotonic() - started)


def active_content_backend(path: str) -> str:
    """The encoder backend a published content version was built with (its content.json)."""
    import json

    from recommendations.artifacts import get_store
    from recommendations.content.artifact import CONTENT_FILE

    description = json.loads((get_store().local_path(path) / CONTENT_FILE).read_text())
    return str(description["backend"])


def _articles_for(
    model: ContentModel,
    hits: SearchHits,
    k: int,
    reason: str,
    filters: SearchFilters,
    skip_product: int | None,
) -> list[Recommendation]:
    rows = [int(row) for row in hits.rows]
    ids = [int(model.article_ids[row]) for row in rows]
    articles = Article.objects.browsable().in_bulk(ids)
    results: list[Recommendation] = []
    for row, article_id, score in zip(rows, ids, hits.scores, strict=True):
        article = articles.get(article_id)
        # Articles removed, taken off sale, re-classified or given another photo since the index
        # was built are left out.
        if (
            article is None
            or not filters.matches(article)
            or article.product_code == skip_product
            or not model.has_current_photo(row, article.image_sha256)
        ):
            continue
        results.append(Recommendation(article=article, reason=reason, score=float(score)))
        if len(results) == k:
            break
    return results


def _search(
    model: ContentModel, index: VectorIndex, query: np.ndarray, k: int, filters: SearchFilters, extra: int = 0
) -> SearchHits:
    return index.search(query, k + extra, model.allowed_rows(filters.as_dict()))


def similar_articles(article: Article, k: int = 12) -> list[Recommendation]:
    """Other products whose photos look like this article's, most similar first."""
    model = content_model()
    if model is None or k <= 0:
        return []
    row = model.row_of(article.article_id)
    # Without its photo's vector (a new article, or a new photo) until the next content run.
    if row is None or not model.has_current_photo(row, article.image_sha256):
        return []
    index = model.similar_index
    query = np.asarray(index.vectors[row], dtype=np.float32)
    hits = _search(model, index, query, k, SearchFilters(), extra=VARIANT_OVERFETCH)
    return _articles_for(
        model, hits, k, "Looks like this", SearchFilters(), skip_product=article.product_code
    )


def _timed_search(
    model: ContentModel,
    index: VectorIndex,
    encode: Callable[[], np.ndarray],
    k: int,
    filters: SearchFilters,
    reason: str,
    timings: SearchTimings | None,
) -> list[Recommendation]:
    """Encode the query, search `index`, fetch the articles, noting how long each step took."""
    timings = timings or SearchTimings()
    started = time.perf_counter()
    vector = encode()
    timings.encode = time.perf_counter() - started
    hits = _search(model, index, vector, k, filters, extra=SPARE_HITS)
    timings.index = time.perf_counter() - started - timings.encode
    results = _articles_for(model, hits, k, reason, filters, skip_product=None)
    timings.database = time.perf_counter() - started - timings.encode - timings.index
    return results


def search_by_text(
    query: str, k: int = 24, filters: SearchFilters | None = None, timings: SearchTimings | None = None
) -> list[Recommendation]:
    """Articles whose photos match a shopper's words ("red striped top"), best first."""
    model = content_model()
    query = " ".join(query.split())
    if model is None or not query or k <= 0:
        return []
    return _timed_search(
        model,
        model.search_index,
        lambda: model.encoder.embed_texts([query])[0],
        k,
        filters or SearchFilters(),
        f"Matches “{query}”",
        timings,
    )


def search_by_image(
    image: Image, k: int = 24, filters: SearchFilters | None = None, timings: SearchTimings | None = None
) -> list[Recommendation]:
    """Articles that look like a shopper's photo (already validated and downscaled by uploads.py)."""
    model = content_model()
    if model is None or k <= 0:
        return []
    # The photo is compared in the space where photo-to-photo similarity measured best.
    return _timed_search(
        model,
        model.similar_index,
        lambda: model.similar_query(image),
        k,
        filters or SearchFilters(),
        "Similar to your photo",
        timings,
    )
