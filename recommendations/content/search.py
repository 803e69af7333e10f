"""Text-to-photo matches for the storefront's search (the semantic half of the blend).

catalog.search calls `semantic_matches` through settings.SEARCH_SEMANTIC_MATCHES, once for the
result list and once per facet count, so answers are memoised per process for a minute: one
search page encodes its query once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from recommendations.content.serving import content_model

# Two pages of results: beyond that a shopper refines the query instead of paging on.
SEMANTIC_MATCHES_LIMIT = 48
# Cosine similarity below which a photo is not offered as a match for the words. Calibrated on
# the demo catalogue (benchmarks/content_bench.py prints the distributions): true colour+type
# matches score well above it, while nonsense words ("xyzzy") stay under it, so a query with no
# lexical and no real visual match still reaches the empty state.
MIN_SIMILARITY = 0.35
MEMO_SECONDS = 60.0
MEMO_ENTRIES = 512

_memo: OrderedDict[tuple[int, str], tuple[float, list[int]]] = OrderedDict()
_memo_lock = threading.Lock()


def semantic_matches(query: str, limit: int = SEMANTIC_MATCHES_LIMIT) -> list[int]:
    """Article ids whose photos match `query`, best first; [] without an active content model."""
    model = content_model()
    query = " ".join(query.split()).lower()
    if model is None or not query:
        return []
    key = (id(model), f"{limit}:{query}")
    now = time.monotonic()
    with _memo_lock:
        cached = _memo.get(key)
        if cached is not None and now - cached[0] < MEMO_SECONDS:
            return cached[1]
    vector = model.encoder.embed_texts([query])[0]
    hits = model.search_index.search(vector, limit)
    ids = [
        int(model.article_ids[row])
        for row, score in zip(hits.rows, hits.scores, strict=True)
        if score >= MIN_SIMILARITY
    ]
    with _memo_lock:
        _memo[key] = (now, ids)
        _memo.move_to_end(key)
        while len(_memo) > MEMO_ENTRIES:
            _memo.popitem(last=False)
    return ids


def forget_memoised_matches() -> None:
    """For tests: a new model or threshold must not see answers memoised for the previous one."""
    with _memo_lock:
        _memo.clear()
