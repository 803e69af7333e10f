"""hnswlib indexes over ALS factors, with search parameters chosen by measuring recall.

Every build measures recall@12 against exact search on a sample of real queries and the
speed-up of one query over exact search (both on one thread: the cost of one web request), and
raises `ef` (then `M`) until recall reaches the target. The figures go into the run's metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from recommendations.collaborative.interactions import best_first
from recommendations.collaborative.parameters import DEFAULT_TARGET_RECALL

TOP_K = 12
TARGET_RECALL = DEFAULT_TARGET_RECALL
# hnswlib's documented sweet spot is M 12-48. Build time grows with ef_construction while the
# search-time ef found by measuring makes up the recall. Measured on the 32-factor ALS vectors of
# the 10% H&M-scale benchmark (64k recent customers, 10k articles; build CPU seconds, the ef that
# reached recall@12 0.97): customers M16 ef_construction 100: 5.4 s, ef 16; 48: 2.9 s, ef 32;
# 32: 1.8 s, ef 48; 24: 1.4 s, ef 96; 16: 1.2 s, ef 384. Articles: 0.5 s at 100, 0.2 s at 32.
# 32 builds three times faster for a search ef of 24-48, a few hundredths of a millisecond a query.
M_LADDER = (16, 32, 48)
EF_CONSTRUCTION = 32
# The customers index at full H&M scale (637k recent customers, M 16) reaches recall@12 0.97 only
# near ef 768 (0.969 at 512, 0.974 at 768, 0.978 at 1024; 0.42-0.58 ms a query against 7.7 ms
# exact): without the top steps, each run rebuilt it at M 32 and 48, 10-13 s a build.
EF_LADDER = (12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536)
SPACES = ("ip", "cosine")
# Column blocks per wanted neighbour in top_k_columns: 2, 4, 8 and 16 cost within 15% of each
# other (20,000 customers x 10k articles, k = 100: 1.6 CPU-s at 4, 3.4 with argpartition).
BLOCKS_PER_K = 4
TIMING_QUERIES = 200
# Exact search is timed for at most this long once MIN_TIMING_QUERIES ran: over 637k customers it
# costs 7.7 ms a query, and 200 of them 1.5 s of every run.
EXACT_TIMING_SECONDS = 0.3
MIN_TIMING_QUERIES = 20
EXACT_BATCH = 64


@dataclass(frozen=True)
class IndexReport:
    space: str
    m: int
    ef_construction: int
    ef: int
    recall: float
    speedup: float
    build_seconds: float
    exact_query_ms: float
    index_query_ms: float
    size: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def indexable(vectors: np.ndarray, space: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Rows (of `rows`, default all) that can go into an index: cosine cannot place a zero vector."""
    rows = np.arange(vectors.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    if space == "cosine":
        return rows[np.linalg.norm(vectors[rows], axis=1) > 0]
    return rows


def build_index(vectors: np.ndarray, labels: np.ndarray, *, space: str, m: int, ef_construction: int) -> Any:
    import hnswlib

    index = hnswlib.Index(space=space, dim=int(vectors.shape[1]))
    index.init_index(max_elements=max(len(labels), 1), M=m, ef_construction=ef_construction, random_seed=42)
    if len(labels):
        index.add_items(vectors[labels], labels, num_threads=-1)
    return index


def exact_top_k(
    vectors: np.ndarray, labels: np.ndarray, queries: np.ndarray, *, space: str, k: int
) -> np.ndarray:
    """Brute force: the labels of the k best vectors for each query, best first."""
    candidates = vectors[labels]
    if space == "cosine":
        candidates = _normalise(candidates)
        queries = _normalise(queries)
    # Batches of queries: one 500 x 637k score matrix (the customers index at H&M scale) took
    # 4.8 s to fill and search, 64 queries at a time 1.1 s.
    return np.concatenate(
        [
            labels[top_k_columns(queries[start : start + EXACT_BATCH] @ candidates.T, min(k, len(labels)))]
            for start in range(0, len(queries), EXACT_BATCH)
        ]
        or [np.empty((0, min(k, len(labels))), dtype=labels.dtype)]
    )


def top_k_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """The k best columns of each row of `scores`, best first (ties by column).

    Selecting k of every score with argpartition costs about 15 ns a score; instead, the k-th
    best of the maxima of `BLOCKS_PER_K * k` column blocks is a score at most the k-th best (k
    blocks each hold a score at least that high), so only the scores above it, a few per hundred,
    are sorted.
    """
    count = scores.shape[1]
    if k <= 0:
        return np.empty((len(scores), 0), dtype=np.int64)
    width = max(1, count // (BLOCKS_PER_K * k))
    blocks = count // width
    maxima = scores[:, : blocks * width].reshape(len(scores), width, blocks).max(axis=1)
    threshold = np.partition(maxima, blocks - k, axis=1)[:, blocks - k]
    # flatnonzero lists each row's columns in order and the sort is stable: ties stay by column.
    # (2-D np.nonzero cost ten times as much.)
    chosen = np.flatnonzero(scores >= threshold[:, None])
    row, column = np.divmod(chosen, count)
    order = best_first(row, scores.ravel()[chosen])
    first = np.searchsorted(row, np.arange(len(scores)))  # row is sorted, and the sort keeps it so
    return np.asarray(column[order][first[:, None] + np.arange(k)])


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(
        len(set(row_found.tolist()) & set(row_truth.tolist()))
        for row_found, row_truth in zip(found, truth, strict=True)
    )
    return hits / max(truth.size, 1)


def build_measured_index(
    vectors: np.ndarray,
    queries: np.ndarray,
    *,
    space: str,
    rows: np.ndarray | None = None,
    k: int = TOP_K,
    target_recall: float = TARGET_RECALL,
    m_ladder: tuple[int, ...] = M_LADDER,
    ef_construction: int = EF_CONSTRUCTION,
) -> tuple[Any, IndexReport]:
    """Builds an index over `vectors[rows]` (labels = row numbers) that reaches `target_recall`.

    For each `M` from small to large: the smallest `ef` that reaches the target (see
    `_smallest_reaching`), and when even the largest misses it, the next `M` (a denser graph).
    Keeps the first setting that reaches the target, or the best one found, with its honest recall.
    """
    labels = indexable(vectors, space, rows)
    k = min(k, max(len(labels), 1))
    truth = exact_top_k(vectors, labels, queries, space=space, k=k) if len(labels) else np.empty((0, 0))
    ladder = [ef for ef in EF_LADDER if ef >= k] or [max(EF_LADDER)]
    best: tuple[Any, IndexReport] | None = None
    for m in m_ladder:
        started = time.perf_counter()
        index = build_index(vectors, labels, space=space, m=m, ef_construction=ef_construction)
        build_seconds = time.perf_counter() - started
        recalls: dict[int, float] = {}  # ladder position → measured recall
        measure = partial(_recall, index, ladder, queries, truth, recalls)
        position = _smallest_reaching(len(ladder), measure, target_recall)
        if position is None:
            position = max(recalls, key=lambda tried: recalls[tried])
        report = _report(
            space, m, ef_construction, ladder[position], recalls[position], build_seconds, len(labels)
        )
        if best is None or report.recall >= target_recall or report.recall > best[1].recall:
            best = (index, report)
        if report.recall >= target_recall:
            break
    assert best is not None
    index, report = best
    index.set_ef(report.ef)
    exact_ms, index_ms = _time_queries(index, vectors, labels, queries, space=space, k=k)
    return index, IndexReport(
        **{
            **report.as_dict(),
            "speedup": exact_ms / max(index_ms, 1e-9),
            "exact_query_ms": exact_ms,
            "index_query_ms": index_ms,
        }
    )


def _smallest_reaching(steps: int, recall_at: Callable[[int], float], target: float) -> int | None:
    """The first of `steps` ladder positions whose recall reaches `target`; None when even the
    last misses, and a denser graph is needed.

    Recall grows with ef and so does the cost of measuring it, so the ladder is climbed in
    doubling strides (positions 0, 1, 3, 7, ...) and the gap below the first that reaches is
    bisected: the dearest measurement is about twice the answer's ef. Opening with the largest
    ef, as this did before, made that one measurement (ef 1536) 40% of building the indexes.
    """
    low, probe = 0, 0
    while recall_at(probe) < target:
        if probe == steps - 1:
            return None
        low, probe = probe + 1, min(2 * probe + 1, steps - 1)
    high = probe  # reaches the target; every position below `low` misses it
    while low < high:
        middle = (low + high) // 2
        if recall_at(middle) >= target:
            high = middle
        else:
            low = middle + 1
    return high


def _recall(
    index: Any,
    ladder: list[int],
    queries: np.ndarray,
    truth: np.ndarray,
    recalls: dict[int, float],
    position: int,
) -> float:
    """Recall@k of `index` searched with ef = ladder[position], noted in `recalls`."""
    if not truth.size:
        recalls[position] = 1.0
        return 1.0
    index.set_ef(ladder[position])
    # Every core: recall does not depend on threads (the timing in _time_queries uses one).
    found = index.knn_query(queries, k=truth.shape[1], num_threads=-1)[0]
    recalls[position] = recall_at_k(found, truth)
    return recalls[position]


def _report(
    space: str, m: int, ef_construction: int, ef: int, recall: float, build_seconds: float, size: int
) -> IndexReport:
    return IndexReport(space, m, ef_construction, ef, recall, 0.0, build_seconds, 0.0, 0.0, size)


def _time_queries(
    index: Any, vectors: np.ndarray, labels: np.ndarray, queries: np.ndarray, *, space: str, k: int
) -> tuple[float, float]:
    """Milliseconds per single query, exact (numpy over all vectors) vs the index, one thread each."""
    from threadpoolctl import threadpool_limits

    sample = queries[:TIMING_QUERIES]
    if not len(labels) or not len(sample):
        return 0.0, 0.0
    candidates = vectors[labels]
    if space == "cosine":
        candidates = _normalise(candidates)
    with threadpool_limits(limits=1, user_api="blas"):
        started = time.perf_counter()
        timed = 0
        for query in sample:
            scores = candidates @ (query / (np.linalg.norm(query) or 1.0) if space == "cosine" else query)
            top = np.argpartition(-scores, k - 1)[:k]
            labels[top[np.argsort(-scores[top])]]
            timed += 1
            if timed >= MIN_TIMING_QUERIES and time.perf_counter() - started > EXACT_TIMING_SECONDS:
                break
        exact = (time.perf_counter() - started) / timed
        started = time.perf_counter()
        for query in sample:
            index.knn_query(query, k=k, num_threads=1)
        approximate = (time.perf_counter() - started) / len(sample)
    return exact * 1000, approximate * 1000


def save_index(index: Any, path: Path) -> None:
    index.save_index(str(path))


def load_index(path: Path, *, space: str, dim: int, ef: int) -> Any:
    import hnswlib

    index = hnswlib.Index(space=space, dim=dim)
    index.load_index(str(path))
    index.set_ef(ef)
    index.set_num_threads(1)  # one web request, one thread: requests are the parallelism
    return index


def query(index: Any, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(labels, similarities) best first; similarity = 1 - hnswlib distance for ip and cosine."""
    count = index.get_current_count()
    k = min(k, count)
    if k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    # hnswlib searches with max(ef, k) itself, so asking for 100 candidates stays exact enough
    # without touching the shared index's ef (set_ef is not thread-safe).
    labels, distances = index.knn_query(vector.reshape(1, -1), k=k, num_threads=1)
    return labels[0].astype(np.int64), (1.0 - distances[0]).astype(np.float32)
