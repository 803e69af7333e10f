import numpy as np
import pytest

from recommendations.collaborative.als import AlsParameters, fit_als, fold_in_customer
from recommendations.collaborative.interactions import IdMap, build_matrix
from tests.recommendations.collaborative.planted import two_taste_log

# Small data overfits quickly: few factors and a low alpha recover the two tastes cleanly.
PARAMETERS = AlsParameters(factors=4, regularization=0.5, iterations=12, alpha=1.0, use_gpu=False)


def _fit():
    log, taste_of = two_taste_log()
    customers, articles = IdMap.of(log.customers), IdMap.of(log.articles)
    matrix = build_matrix(log, customers=customers, articles=articles)
    return matrix, customers, articles, taste_of


def test_it_recovers_planted_tastes():
    matrix, customers, articles, taste_of = _fit()
    progress = []

    factors = fit_als(matrix, PARAMETERS, on_iteration=lambda done, planned: progress.append((done, planned)))

    assert factors.customers.shape == (60, 4) and factors.articles.shape == (40, 4)
    assert factors.customers.dtype == np.float32
    assert progress[0] == (1, 12) and progress[-1] == (12, 12)
    article_taste = (articles.ids // 1000) - 1
    for row, customer in enumerate(customers.ids.tolist()):
        scores = factors.articles @ factors.customers[row]
        scores[matrix[row].indices] = -np.inf  # only articles the customer has not bought
        best_unseen = np.argsort(-scores)[:5]
        assert (article_taste[best_unseen] == taste_of[customer]).all(), customer


def test_a_warm_start_continues_from_given_factors():
    matrix, *_ = _fit()
    first = fit_als(matrix, PARAMETERS)
    progress = []

    unchanged = fit_als(matrix, PARAMETERS, warm_start=first, iterations=0)
    again = fit_als(
        matrix, PARAMETERS, warm_start=first, iterations=2, on_iteration=lambda *args: progress.append(args)
    )

    assert np.array_equal(unchanged.articles, first.articles)
    assert np.array_equal(unchanged.customers, first.customers)
    assert progress == [(1, 2), (2, 2)]
    # Already converged: two more iterations move it little (a fresh fit lands somewhere else
    # entirely, the factors being defined only up to a rotation).
    assert np.abs(again.articles - first.articles).max() < 0.1 * np.abs(first.articles).max()


def test_folding_in_a_customer_matches_what_als_learned_for_them():
    matrix, *_ = _fit()
    factors = fit_als(matrix, PARAMETERS)
    gramian = factors.articles.astype(np.float64).T @ factors.articles
    row = 3

    vector = fold_in_customer(
        factors.articles,
        gramian,
        matrix[row].indices,
        matrix[row].data,
        alpha=PARAMETERS.alpha,
        regularization=PARAMETERS.regularization,
    )

    # ALS's last user step ran against slightly older article factors, hence the tolerance.
    cosine = vector @ factors.customers[row] / np.linalg.norm(vector) / np.linalg.norm(factors.customers[row])
    assert cosine == pytest.approx(1.0, abs=0.02)


def test_folding_in_nothing_gives_a_zero_vector():
    vector = fold_in_customer(
        np.ones((3, 4), np.float32),
        np.eye(4),
        np.array([], np.int64),
        np.array([], np.float32),
        alpha=1,
        regularization=0.1,
    )
    assert vector.tolist() == [0.0] * 4
