import random

import numpy as np
import pytest

from recommendations.collaborative.lists import Lists
from recommendations.collaborative.metrics import (
    average_precision,
    average_precisions,
    mean_average_precision,
    mean_in_order,
)


def test_it_scores_a_perfect_prediction_as_one():
    assert average_precision({1, 2}, [1, 2, 3]) == 1.0


def test_it_matches_a_hand_computed_case():
    # Hits at ranks 1 and 3: (1/1 + 2/3) / min(3 actual, 12) = 5/9.
    assert average_precision({10, 30, 99}, [10, 20, 30, 40]) == pytest.approx(5 / 9)


def test_it_divides_by_twelve_when_more_than_twelve_were_bought():
    actual = set(range(100, 120))
    predicted = [100] + [0] * 11
    assert average_precision(actual, predicted) == pytest.approx(1 / 12)


def test_it_ignores_predictions_after_the_twelfth():
    assert average_precision({13}, list(range(1, 14))) == 0.0


def test_it_counts_a_repeated_prediction_once():
    # 7 at ranks 1 and 2: the second copy is not a new hit; 8 at rank 3 scores 2/3.
    assert average_precision({7, 8}, [7, 7, 8]) == pytest.approx((1 + 2 / 3) / 2)


def test_the_mean_counts_customers_without_predictions_as_zero():
    actual = {1: {5}, 2: {6}}
    assert mean_average_precision(actual, {1: [5]}) == pytest.approx(0.5)
    # Kaggle: a hit at rank 2 for one customer, nothing for the other → (1/2 + 0) / 2.
    assert mean_average_precision(actual, {1: [0, 5], 2: [1]}) == pytest.approx(0.25)


def test_the_mean_equals_the_mean_of_each_customers_average_precision():
    rng = random.Random(7)
    actual = {customer: {rng.randrange(30) for _ in range(rng.randrange(1, 16))} for customer in range(300)}
    # Lists of 0-20 items (repeats included), some customers with none at all.
    predicted = {
        customer: [rng.randrange(30) for _ in range(rng.randrange(21))]
        for customer in range(300)
        if customer % 7
    }
    expected = sum(
        average_precision(items, predicted.get(customer, [])) for customer, items in actual.items()
    )
    assert mean_average_precision(actual, predicted) == pytest.approx(expected / len(actual), rel=1e-12)


def test_the_flat_average_precisions_equal_each_customers_average_precision_exactly():
    rng = random.Random(11)
    # 200 customers: some bought nothing, some more than twelve articles; lists of 0-20 items
    # (shorter and longer than twelve) with repeats, customers' lists of any length.
    actual = [{rng.randrange(40) for _ in range(rng.choice([0, 1, 3, 8, 20]))} for _ in range(200)]
    predicted = [[rng.randrange(40) for _ in range(rng.randrange(21))] for _ in range(200)]
    assert any(len(set(items[:12])) < len(items[:12]) for items in predicted)
    assert any(len(items) < 12 for items in predicted) and any(len(items) > 12 for items in actual)

    precisions = average_precisions(Lists.of(actual), Lists.of(predicted))

    # Same additions in the same order as the loop: equal to the last digit, not approximately.
    assert precisions.tolist() == [
        average_precision(items, predicted[customer]) for customer, items in enumerate(actual)
    ]
    assert precisions.shape == (200,) and not precisions[[not items for items in actual]].any()


def test_the_mean_adds_the_precisions_up_in_the_order_given():
    # Pairwise summation: 128 tiny terms, then one large one, round differently from the large one first.
    precisions = np.r_[np.full(128, 1e-17), 1.0]

    assert mean_in_order(precisions) == float(np.sum(precisions) / 129)
    assert mean_in_order(precisions) != mean_in_order(precisions[::-1])
    assert mean_in_order(np.empty(0)) == 0.0
