import numpy as np
import pytest

from recommendations.content import vector_index
from recommendations.content.vector_index import VectorIndex, exact_top_k
from recommendations.encoders.base import l2_normalise


@pytest.fixture
def vectors():
    return l2_normalise(np.random.default_rng(0).normal(size=(600, 32)))


def test_exact_search_returns_the_best_rows_first(vectors):
    hits = exact_top_k(vectors, vectors[5], 3, None)
    assert hits.rows[0] == 5
    assert hits.scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(hits.scores) == sorted(hits.scores, reverse=True)


def test_it_saves_and_loads_with_the_same_answers(vectors, tmp_path, monkeypatch):
    # Force the HNSW graph even for this small index, in both build and load.
    monkeypatch.setattr(vector_index, "EXACT_SEARCH_MAX_CELLS", 10)
    index = VectorIndex.build(vectors)
    index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path)
    assert loaded.uses_graph
    for row in (0, 17, 321):
        assert list(loaded.search(vectors[row], 10).rows) == list(index.search(vectors[row], 10).rows)


def test_the_graph_finds_almost_all_exact_neighbours(vectors, monkeypatch):
    monkeypatch.setattr(vector_index, "EXACT_SEARCH_MAX_CELLS", 10)
    index = VectorIndex.build(vectors)
    found = 0
    queries = l2_normalise(np.random.default_rng(1).normal(size=(50, 32)))
    for query in queries:
        exact = set(exact_top_k(vectors, query, 10, None).rows.tolist())
        found += len(exact & set(index.search(query, 10).rows.tolist()))
    assert found / 500 >= 0.95


def test_filters_restrict_results_on_both_paths(vectors, monkeypatch):
    allowed = np.zeros(len(vectors), dtype=bool)
    allowed[::7] = True
    exact_rows = VectorIndex.build(vectors).search(vectors[3], 5, allowed).rows
    assert allowed[exact_rows].all()
    monkeypatch.setattr(vector_index, "EXACT_SEARCH_MAX_CELLS", 10)
    graph_rows = VectorIndex.build(vectors).search(vectors[3], 5, allowed).rows
    assert allowed[graph_rows].all()
    assert len(graph_rows) == 5


def test_small_indexes_are_searched_exactly_without_loading_the_graph(vectors, tmp_path):
    VectorIndex.build(vectors).save(tmp_path)
    loaded = VectorIndex.load(tmp_path)
    assert loaded.hnsw is None
    assert loaded.search(vectors[9], 1).rows[0] == 9
