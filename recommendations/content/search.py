"""Text-to-photo matches for the storefront's search (the semantic half of the blend).

catalog.search calls `semantic_matches` through settings.SEARCH_SEMANTIC_MATCHES, once for the
result list and once per facet count, so answers are memoised per process for a minute: one
search page encodes its query once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from catalog.models import Article
from recommendations.content.serving import content_model

if TYPE_CHECKING:
    from recommendations.content.artifact import ContentModel

# Two pages of results: beyond that a shopper refines the query instead of paging on.
SEMANTIC_MATCHES_LIMIT = 48
# How far above the query's typical similarity to the catalogue a photo must score to count as a
# match. An absolute cut-off does not work: vague or nonsense words ("xyzzy", "hello world") sit
# close to everything (median cosine about 0.2 on the demo catalogue, best about 0.5-0.6), while
# real queries are specific (median about 0, best 0.65-0.8). Measured on the demo catalogue: the
# 10th match of "dotted dress", "hoodie" or "black trousers" is 0.46-0.66 above the median, that of
# eight nonsense queries 0.23-0.39; so nonsense finds almost nothing and reaches the empty state.
MIN_MARGIN_OVER_MEDIAN = 0.4
# Photos standing alone, when no word of the query matched anything in the catalogue, must score
# much higher: a misspelt or foreign word ("dres", "kleid", "baby bodysuit" in a shop without
# bodysuits) still sits 0.4-0.51 above the median next to some unrelated photos (sandals, jackets,
# bags), while descriptions in words the catalogue lacks ("a nice red dress for summer",
# "burgundy evening gown") reach 0.55-0.77 with the photos they describe (demo catalogue).
STANDALONE_MARGIN_OVER_MEDIAN = 0.55
# Rows sampled to estimate the median similarity (exact enough, and cheap at any catalogue size).
MEDIAN_SAMPLE_ROWS = 2048
MEMO_SECONDS = 60.0
MEMO_ENTRIES = 512

_memo: OrderedDict[tuple[int, str], tuple[float, list[tuple[int, float]]]] = OrderedDict()
_memo_lock = threading.Lock()


def semantic_matches(
    query: str, limit: int = SEMANTIC_MATCHES_LIMIT, *, standalone: bool = False
) -> list[int]:
    """Article ids whose photos match `query`, best first; [] without an active content model.

    `standalone`: only matches strong enough to be shown when no word of the query matched.
    """
    model = content_model()
    query = " ".join(query.split()).lower()
    if model is None or not query:
        return []
    margin = STANDALONE_MARGIN_OVER_MEDIAN if standalone else MIN_MARGIN_OVER_MEDIAN
    return [article_id for article_id, above in _matches_above_median(model, query, limit) if above >= margin]


def _matches_above_median(model: ContentModel, query: str, limit: int) -> list[tuple[int, float]]:
    """The best `limit` photos with how far each scores above the query's median similarity."""
    key = (id(model), f"{limit}:{query}")
    now = time.monotonic()
    with _memo_lock:
        cached = _memo.get(key)
        if cached is not None and now - cached[0] < MEMO_SECONDS:
            return cached[1]
    vector = model.encoder.embed_texts([query])[0]
    hits = model.search_index.search(vector, limit)
    vectors = model.search_index.vectors
    sample = vectors[:: max(1, len(vectors) // MEDIAN_SAMPLE_ROWS)]
    median = float(np.median(sample @ vector))
    close = [
        (int(row), float(score) - median)
        for row, score in zip(hits.rows, hits.scores, strict=True)
        if score - median >= MIN_MARGIN_OVER_MEDIAN
    ]
    # Articles given another photo since the index was built match on the old one: left out (for
    # the rest of a memoised minute, a photo replaced meanwhile still matches).
    ids = [int(model.article_ids[row]) for row, _ in close]
    photos = dict(Article.objects.filter(article_id__in=ids).values_list("article_id", "image_sha256"))
    matches = [
        (article_id, above)
        for article_id, (row, above) in zip(ids, close, strict=True)
        if article_id in photos and model.has_current_photo(row, photos[article_id])
    ]
    with _memo_lock:
        _memo[key] = (now, matches)
        _memo.move_to_end(key)
        while len(_memo) > MEMO_ENTRIES:
            _memo.popitem(last=False)
    return matches


def forget_memoised_matches() -> None:
    """For tests: a new model or threshold must not see answers memoised for the previous one."""
    with _memo_lock:
        _memo.clear()
