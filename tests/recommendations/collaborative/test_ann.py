import numpy as np
import pytest

from recommendations.collaborative import ann


def _clustered_vectors(count=3000, dim=16, seed=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(30, dim))
    return (centres[rng.integers(0, 30, count)] + 0.3 * rng.normal(size=(count, dim))).astype(np.float32)


def test_exact_search_ranks_by_inner_product_and_cosine():
    vectors = np.array([[1, 0], [3, -1], [0, 1], [1, 1]], dtype=np.float32)
    query = np.array([[1, 0.1]], dtype=np.float32)
    labels = np.arange(4)
    assert ann.exact_top_k(vectors, labels, query, space="ip", k=2).tolist() == [[1, 3]]
    assert ann.exact_top_k(vectors, labels, query, space="cosine", k=2).tolist() == [[0, 1]]


@pytest.mark.parametrize("space", ["ip", "cosine"])
def test_a_measured_index_reaches_the_target_recall(space):
    vectors = _clustered_vectors()
    queries = _clustered_vectors(count=200, seed=4)

    index, report = ann.build_measured_index(vectors, queries, space=space, target_recall=0.97)

    truth = ann.exact_top_k(vectors, np.arange(len(vectors)), queries, space=space, k=12)
    found = index.knn_query(queries, k=12)[0]
    assert report.recall >= 0.97 and ann.recall_at_k(found, truth) == pytest.approx(report.recall)
    assert report.ef >= 12 and report.size == 3000 and report.speedup > 0


@pytest.mark.parametrize("steps", [1, 2, 7, 15])
def test_the_ef_ladder_finds_the_first_reaching_rung_without_measuring_far_above_it(steps):
    for answer in range(steps + 1):  # `steps`: no rung reaches the target
        measured = []

        def recall_at(position, answer=answer, measured=measured):
            measured.append(position)
            return 0.98 if position >= answer else 0.5

        found = ann._smallest_reaching(steps, recall_at, 0.97)

        assert found == (answer if answer < steps else None)
        assert max(measured) <= min(2 * answer + 1, steps - 1)


def test_a_cosine_index_leaves_out_zero_vectors_and_keeps_row_numbers_as_labels():
    vectors = _clustered_vectors(count=50)
    vectors[[0, 7]] = 0.0
    rows = np.arange(0, 50, 2)

    index, report = ann.build_measured_index(vectors, vectors[[2, 4]], space="cosine", rows=rows)

    assert report.size == 24
    labels, similarity = ann.query(index, vectors[4], 3)
    assert labels[0] == 4 and similarity[0] == pytest.approx(1.0, abs=1e-5)
    assert set(index.get_ids_list()) == set(rows.tolist()) - {0}


def test_recall_counts_overlap_per_query():
    assert ann.recall_at_k(np.array([[1, 2], [3, 4]]), np.array([[2, 1], [3, 5]])) == 0.75


def test_saved_indexes_load_with_their_search_setting(tmp_path):
    vectors = _clustered_vectors(count=100)
    index, report = ann.build_measured_index(vectors, vectors[:20], space="ip")
    ann.save_index(index, tmp_path / "index.hnsw")

    loaded = ann.load_index(tmp_path / "index.hnsw", space="ip", dim=16, ef=report.ef)

    assert ann.query(loaded, vectors[5], 4)[0].tolist() == ann.query(index, vectors[5], 4)[0].tolist()


@pytest.mark.parametrize("columns,k", [(5000, 100), (5000, 12), (150, 100), (7, 7), (30, 1)])
def test_top_k_columns_match_a_full_sort_ties_by_column(columns, k):
    rng = np.random.default_rng(columns + k)
    # Rounded scores make ties common; the expected order breaks them by column.
    scores = np.round(rng.normal(size=(40, columns)), 1).astype(np.float32)
    expected = np.lexsort((np.broadcast_to(np.arange(columns), scores.shape), -scores), axis=1)[:, :k]

    assert ann.top_k_columns(scores, k).tolist() == expected.tolist()


def test_an_index_without_sample_queries_is_built_and_says_it_measured_nothing():
    vectors = _clustered_vectors(count=200)

    index, report = ann.build_measured_index(vectors, vectors[:0], space="cosine")

    assert index.get_current_count() == 200 and report.speedup == 0.0 and report.exact_query_ms == 0.0
