"""How well the content space works, measured on articles held out from head training.

Precision@10 here is the share of the top 10 that is relevant, out of the most that could be:
hits / min(10, number of relevant held-out articles). A query for "red striped top" among a few
hundred held-out articles often has fewer than 10 right answers, and plain precision would then
punish a perfect ranking. Only queries with at least MIN_RELEVANT answers are asked.

Text queries are built from held-out metadata in the forms a shopper types: "{type}",
"{colour} {type}", "{pattern} {type}", plus phrasings never used in training. Baselines beside
them: the same colour+type queries through untrained (randomly initialised) heads, and through a
keyword match against what the shop writes about an article (its name and description; the
structured colour and type fields are left out because they define what is relevant).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from recommendations.content.texts import UNSEEN_TEMPLATES, ArticleText
from recommendations.content.vector_index import HNSW_EF_SEARCH, exact_top_k
from recommendations.encoders.base import FloatMatrix, reweight_shape

TOP_K = 10
MIN_RELEVANT = 2
# Enough queries for a stable recall estimate while keeping evaluation to a second or two.
MAX_RECALL_QUERIES = 1000
# Weights of the silhouette part against the appearance part tried for photo-to-photo similarity.
SHAPE_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
# The lightest weight within this of the best is kept: "Looks like this" should still share
# colour and texture where the outline adds little (on the demo, colour precision@10 falls from
# 0.25 to 0.09 as the weight goes from 0 to 3).
SHAPE_WEIGHT_TOLERANCE = 0.01

AttributeKey = Callable[[ArticleText], tuple[str, ...]]

TYPE_KEY: AttributeKey = lambda article: (article.type,)  # noqa: E731
COLOUR_TYPE_KEY: AttributeKey = lambda article: (article.colour, article.type)  # noqa: E731
PATTERN_TYPE_KEY: AttributeKey = lambda article: (article.pattern_name, article.type)  # noqa: E731
UNSEEN_KEYS: dict[str, AttributeKey] = {"colour": COLOUR_TYPE_KEY, "pattern": PATTERN_TYPE_KEY}


@dataclass(frozen=True)
class QuerySet:
    texts: list[str]
    # (queries, held-out articles): which articles answer each query.
    relevant: npt.NDArray[np.bool_]


def metadata_queries(articles: Sequence[ArticleText], template: str, key: AttributeKey) -> QuerySet:
    """One query per attribute combination with at least MIN_RELEVANT held-out articles."""
    members: dict[tuple[str, ...], list[int]] = defaultdict(list)
    example: dict[tuple[str, ...], ArticleText] = {}
    for position, article in enumerate(articles):
        members[key(article)].append(position)
        example.setdefault(key(article), article)
    texts, rows = [], []
    for value, positions in sorted(members.items()):
        if len(positions) < MIN_RELEVANT:
            continue
        mask = np.zeros(len(articles), dtype=bool)
        mask[positions] = True
        texts.append(example[value].fill(template))
        rows.append(mask)
    relevant = np.array(rows, dtype=bool).reshape(len(rows), len(articles))
    return QuerySet(texts, relevant)


def unseen_phrasing_queries(articles: Sequence[ArticleText]) -> QuerySet:
    parts = [metadata_queries(articles, template, UNSEEN_KEYS[kind]) for kind, template in UNSEEN_TEMPLATES]
    texts = [text for part in parts for text in part.texts]
    relevant = (
        np.concatenate([part.relevant for part in parts], axis=0)
        if parts
        else np.zeros((0, len(articles)), bool)
    )
    return QuerySet(texts, relevant)


def precision_at_k(scores: npt.NDArray[np.float32], relevant: npt.NDArray[np.bool_], k: int = TOP_K) -> float:
    """Mean over queries of hits in the top k / min(k, relevant count). Ties keep the input order."""
    if len(scores) == 0:
        return 0.0
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hits = np.take_along_axis(relevant, top, axis=1).sum(axis=1)
    possible = np.minimum(k, relevant.sum(axis=1))
    return float(np.mean(hits / np.maximum(possible, 1)))


def image_precision_at_k(
    vectors: FloatMatrix,
    labels: Sequence[str],
    k: int = TOP_K,
    *,
    queries: FloatMatrix | None = None,
    query_rows: npt.NDArray[np.int64] | None = None,
) -> float:
    """Each held-out photo as a query among the other held-out photos: share of the top k with its
    label. With `queries`, those are asked instead: queries[i] is a copy of the photo in row
    query_rows[i] (every row, when None) framed another way, and finds the others, not itself."""
    label_array = np.asarray(labels)
    rows = np.arange(len(vectors)) if query_rows is None else np.asarray(query_rows, dtype=np.int64)
    asked = vectors[rows] if queries is None else queries
    relevant = label_array[rows][:, None] == label_array[None, :]
    scores = asked @ vectors.T
    itself = (np.arange(len(rows)), rows)
    relevant[itself] = False
    scores[itself] = -np.inf
    answerable = relevant.sum(axis=1) >= 1
    return precision_at_k(scores[answerable], relevant[answerable], k)


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    # Crude plural folding so "tops" matches "top", as a stemming search engine would.
    return {
        word[:-1] if len(word) > 3 and word.endswith("s") else word for word in _WORD.findall(text.lower())
    }


def keyword_scores(queries: Sequence[str], documents: Sequence[str]) -> npt.NDArray[np.float32]:
    """How many of a query's words each document contains (a plain keyword search)."""
    document_words = [_words(document) for document in documents]
    scores = np.zeros((len(queries), len(documents)), dtype=np.float32)
    for row, query in enumerate(queries):
        words = _words(query)
        scores[row] = [len(words & found) for found in document_words]
    return scores


def ann_recall_at_k(
    vectors: FloatMatrix, queries: FloatMatrix, graph: Any, k: int = TOP_K, seed: int = 0
) -> float:
    """Share of the exact top k that the HNSW `graph` over `vectors` returns for the same queries."""
    if len(vectors) == 0 or len(queries) == 0:
        return 1.0
    rng = np.random.default_rng(seed)
    if len(queries) > MAX_RECALL_QUERIES:
        queries = queries[rng.choice(len(queries), MAX_RECALL_QUERIES, replace=False)]
    k = min(k, len(vectors))
    graph.set_ef(max(HNSW_EF_SEARCH, k))
    labels, _ = graph.knn_query(queries, k=k)
    found = 0
    for query, approximate in zip(queries, labels, strict=True):
        exact = exact_top_k(vectors, query, k, None).rows
        found += len(set(exact.tolist()) & set(approximate.tolist()))
    return found / (k * len(queries))


def tune_shape_weight(
    features: FloatMatrix, labels: Sequence[str], shape_dimension: int
) -> tuple[float, dict[float, float]]:
    """The silhouette weight for photo-to-photo similarity, chosen by product-type precision@10 on
    the photos given (the head-training split: never the held-out ones it is then measured on).
    Returns the weight and the precision each candidate reached."""
    if shape_dimension == 0 or len(features) == 0:
        return 1.0, {}
    measured = {
        weight: image_precision_at_k(reweight_shape(features, shape_dimension, weight), labels)
        for weight in SHAPE_WEIGHTS
    }
    best = max(measured.values())
    chosen = min(weight for weight, value in measured.items() if value >= best - SHAPE_WEIGHT_TOLERANCE)
    return chosen, measured
