import datetime as dt

import numpy as np
import pytest

from recommendations.collaborative.als import AlsParameters, Factors
from recommendations.collaborative.blend import BlendModel, BlendWeights, blend
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.evaluation import (
    SCORING_BATCH,
    all_data_matrix,
    evaluate,
    fit_held_out,
    histories_from_log,
    history_arrays,
    predict_held_out,
    split_last_week,
    top_by_affinity,
)
from recommendations.collaborative.interactions import (
    IdMap,
    PurchaseLog,
    build_matrix,
    day_number,
    purchase_weights,
)
from recommendations.collaborative.metrics import mean_average_precision
from recommendations.collaborative.popularity import TrendTable, popular_last_week, trending_scores
from tests.recommendations.collaborative.planted import LAST_DAY, two_taste_log

SMALL_ALS = AlsParameters(factors=4, regularization=0.5, iterations=5, alpha=1.0, use_gpu=False)
METRICS = {"map12_popular_last_week", "map12_trending", "map12_buy_again", "map12_als", "map12_blend"}


def _days_ago(days):
    return LAST_DAY - dt.timedelta(days=days)


def _catalogue(article_ids):
    return ArticleTable.from_rows([(article_id, article_id, "Ladieswear") for article_id in article_ids])


def _small_log():
    return PurchaseLog.from_rows(
        [
            (1, 10, _days_ago(20)),
            (1, 10, _days_ago(0)),  # re-buys 10 in the held-out week
            (2, 20, _days_ago(10)),  # last training week's only sale
            (2, 30, _days_ago(3)),
            (3, 40, _days_ago(1)),  # first purchase ever in the held-out week
            (4, 20, _days_ago(6)),
        ]
    )


def test_the_split_holds_out_the_last_seven_days():
    split = split_last_week(_small_log())

    assert split.cutoff == day_number(LAST_DAY) - 7
    assert split.truth == {1: {10}, 2: {30}, 3: {40}, 4: {20}}
    assert (split.train.days <= split.cutoff).all() and len(split.train) == 2


def test_histories_aggregate_purchases_newest_first_with_decay():
    log = PurchaseLog.from_rows(
        [
            (1, 10, _days_ago(30)),
            (1, 10, _days_ago(0)),
            (1, 20, _days_ago(10)),
            (2, 30, _days_ago(0)),
            (1, 99, _days_ago(1)),
        ]
    )
    catalogue = _catalogue([10, 20, 30])  # 99 left the catalogue

    histories = histories_from_log(
        log, [1], reference_day=day_number(LAST_DAY), half_life_days=30, articles=catalogue
    )

    assert list(histories) == [1]
    history = histories[1]
    assert catalogue.article_ids[history.positions].tolist() == [10, 20]
    assert history.weights.tolist() == pytest.approx([1.5, 0.5 ** (1 / 3)])


def _history_arrays_by_lexsort(log, customers, *, reference_day, half_life_days, articles):
    """history_arrays as it was written before its sorts were rewritten: two lexsorts, the
    reference for which purchases sum in which order and how equal days are ordered."""
    chosen = log.where(np.isin(log.customers, np.asarray(customers, dtype=np.int32)))
    positions = articles.positions(chosen.articles)
    chosen = chosen.where(positions >= 0)
    positions = positions[positions >= 0]
    weights = purchase_weights(chosen.days, reference_day=reference_day, half_life_days=half_life_days)
    order = np.lexsort((positions, chosen.customers))
    pair_customers, pair_positions = chosen.customers[order], positions[order]
    starts = np.flatnonzero(
        np.r_[True, (pair_customers[1:] != pair_customers[:-1]) | (pair_positions[1:] != pair_positions[:-1])]
    )
    summed = np.add.reduceat(weights[order], starts).astype(np.float32)
    last = np.maximum.reduceat(chosen.days[order], starts)
    pair_customers, pair_positions = pair_customers[starts], pair_positions[starts]
    newest_first = np.lexsort((pair_positions, -last, pair_customers))
    return pair_customers[newest_first], pair_positions[newest_first], summed[newest_first]


def test_histories_sum_and_order_purchases_as_the_two_lexsorts_they_replaced():
    # 8,000 purchases of 100 customers on 6 days: each customer buys most of the 20 articles
    # several times (the order of a sum's terms shows in its last bit) and buys many of them last
    # on the same day (the order of equal days shows in the positions).
    rng = np.random.default_rng(7)
    size = 8_000
    log = PurchaseLog(
        rng.integers(1, 101, size).astype(np.int32),
        rng.integers(1, 23, size).astype(np.int64) * 10,
        (day_number(LAST_DAY) - rng.choice([0, 3, 4, 9, 17, 40], size)).astype(np.int32),
    )
    catalogue = _catalogue(list(range(10, 210, 10)))  # 210 and 220 left the catalogue
    customers = list(range(2, 101, 2))
    expected = _history_arrays_by_lexsort(
        log, customers, reference_day=day_number(LAST_DAY), half_life_days=10.0, articles=catalogue
    )

    owners, positions, weights = history_arrays(
        log, customers, reference_day=day_number(LAST_DAY), half_life_days=10.0, articles=catalogue
    )

    assert owners.tolist() == expected[0].tolist()
    assert positions.tolist() == expected[1].tolist()
    assert weights.tobytes() == expected[2].tobytes()
    assert set(owners.tolist()) == set(customers)


def test_ranking_by_affinity_does_not_depend_on_how_customers_are_batched():
    # 500 articles whose factors are one vector's components in shuffled orders, and customers
    # whose factors are all equal: every score is the same sum, in a different order, so the
    # ranking is decided by the sums' last bits. One batch more than full leaves a last batch of
    # one customer, which numpy multiplies by BLAS's gemv, not gemm.
    rng = np.random.default_rng(3)
    base = rng.standard_normal(32).astype(np.float32)
    articles = np.stack([rng.permutation(base) for _ in range(500)])
    customers = np.repeat(rng.uniform(0.5, 2.0, (SCORING_BATCH + 1, 1)), 32, axis=1).astype(np.float32)
    factors = Factors(customers, articles)
    rows = np.arange(SCORING_BATCH + 1)

    columns = top_by_affinity(factors, rows, 20)

    at_once = np.argsort(-(customers @ articles.T), axis=1, kind="stable")[:, :20]
    assert columns.tolist() == at_once.tolist()
    assert top_by_affinity(factors, rows[:0], 20).shape == (0, 20)


def test_baselines_score_as_computed_by_hand():
    log = _small_log()

    metrics = evaluate(
        log, _catalogue([10, 20, 30, 40]), als=SMALL_ALS, weights=BlendWeights(), matrix_half_life_days=None
    ).metrics

    assert set(metrics) >= METRICS and metrics["eval_customers"] == 4
    # Best seller of the last training week: 20, bought again by customer 4 only → 1/4.
    assert metrics["map12_popular_last_week"] == pytest.approx(0.25)
    # Buy-again: customer 1 re-buys 10 (AP 1); customer 2 bought 20, then 30 (AP 0); 3 and 4 have no history.
    assert metrics["map12_buy_again"] == pytest.approx(0.25)
    # Topped up with the best seller 20: customer 1 gets [10, 20] (AP 1), 2 [20] (AP 0), 3 [20]
    # (AP 0), and 4, new since the cutoff, [20] (AP 1) → 2/4.
    assert metrics["map12_buy_again_popular"] == pytest.approx(0.5)
    # ALS has no list for customer 3 (nothing bought before the cutoff) nor 4: [20] for both, AP 0 and 1.
    assert metrics["map12_als_popular"] >= 0.25
    for name in METRICS:
        assert 0.0 <= metrics[name] <= 1.0


def test_buy_again_breaks_equal_weights_by_history_order_newest_first():
    # With the default 30-day half-life, 20 bought once on the cutoff day and 10 bought twice
    # 30 days before it weigh exactly 1 each; 30, bought three times the day before, nearly 3.
    cutoff_days_ago = 7
    log = PurchaseLog.from_rows(
        [
            (1, 10, _days_ago(cutoff_days_ago + 30)),
            (1, 10, _days_ago(cutoff_days_ago + 30)),
            (1, 20, _days_ago(cutoff_days_ago)),
            *[(1, 30, _days_ago(cutoff_days_ago + 1))] * 3,
            (1, 40, _days_ago(0)),  # the held-out week's purchase
        ]
    )

    catalogue = _catalogue([10, 20, 30, 40])
    split = split_last_week(log)
    history = histories_from_log(
        split.train,
        [1],
        reference_day=split.cutoff,
        half_life_days=BlendWeights().buy_again_half_life_days,
        articles=catalogue,
    )[1]
    assert catalogue.article_ids[history.positions].tolist() == [20, 30, 10]
    assert history.weights[0] == history.weights[2] == 1.0 and history.weights[1] > 2.9

    predictions = evaluate(
        log, catalogue, als=SMALL_ALS, weights=BlendWeights(), matrix_half_life_days=None
    ).predictions

    # 20 before 10: the tie goes to the newer purchase, not to the lower article id.
    assert predictions["map12_buy_again"][1] == [30, 20, 10]


def test_als_and_the_blend_learn_planted_tastes_that_popularity_misses():
    # Customers keep buying new articles within their taste; nobody buys the same thing twice,
    # so buy-again is switched off for this blend.
    log, _ = two_taste_log(customers_per_taste=40, articles_per_taste=15, purchases_each=8)
    catalogue = _catalogue(sorted(set(log.articles.tolist())))
    weights = BlendWeights(buy_again=0.0, variant=0.0)

    evaluation = evaluate(log, catalogue, als=SMALL_ALS, weights=weights, matrix_half_life_days=None)

    metrics = evaluation.metrics
    popular = max(metrics["map12_popular_last_week"], metrics["map12_trending"])
    # ALS alone also re-offers what was bought (never bought twice here); the blend ranks
    # unbought articles of the customer's taste first.
    assert metrics["map12_als"] >= popular
    # 53 held-out customers: the blend scores 0.193-0.195 here against trending's 0.161.
    assert metrics["map12_blend"] > 1.15 * popular
    # Factors cover every customer and article of the whole log, ready for the published refit.
    assert evaluation.factors.customers.shape[0] == len(set(log.customers.tolist()))


@pytest.mark.parametrize("half_life", [None, 14.0])
def test_the_published_matrix_from_the_held_out_one_equals_a_matrix_of_the_whole_log(half_life):
    log, _ = two_taste_log()
    held_out = fit_held_out(log, als=SMALL_ALS, matrix_half_life_days=half_life)

    derived = all_data_matrix(log, held_out, half_life_days=half_life)

    direct = build_matrix(
        log, customers=IdMap.of(log.customers), articles=IdMap.of(log.articles), half_life_days=half_life
    )
    assert derived.shape == direct.shape and derived.has_sorted_indices
    assert (derived.indptr == direct.indptr).all() and (derived.indices == direct.indices).all()
    assert derived.data == pytest.approx(direct.data, rel=1e-5)
    assert (held_out.matrix != direct).nnz > 0  # the held-out week and the decay changed it


def test_held_out_predictions_name_the_customer_of_each_list():
    fit = fit_held_out(_small_log(), als=SMALL_ALS, matrix_half_life_days=None)

    predicted = predict_held_out(
        fit.split,
        _catalogue([10, 20, 30, 40]),
        fit.factors,
        fit.customer_map,
        fit.article_map,
        BlendWeights(),
    )

    assert predicted.customers.tolist() == [1, 2, 3, 4]
    for lists in predicted.lists.values():
        assert lists.customers == 4
    buy_again = predicted.lists["map12_buy_again"]
    assert dict(zip(buy_again.owners.tolist(), buy_again.items.tolist(), strict=True)) == {0: 10, 1: 20}


def test_a_sample_of_held_out_customers_can_be_scored():
    metrics = evaluate(
        _small_log(),
        _catalogue([10, 20, 30, 40]),
        als=SMALL_ALS,
        weights=BlendWeights(),
        matrix_half_life_days=None,
        sample_customers=2,
    ).metrics
    assert metrics["eval_customers"] == 2


def test_the_evaluation_ranks_every_customer_as_the_serving_blend_ranks_them_one_by_one():
    log, _ = two_taste_log(customers_per_taste=40, articles_per_taste=15, purchases_each=8)
    groups = ["Divided", "Ladieswear", "Menswear"]
    # Three colours per product and three index groups, so variants, the per-product cap and
    # trending per group all shape the lists; a short history limit cuts some histories.
    catalogue = ArticleTable.from_rows(
        [
            (article_id, article_id // 3, groups[article_id // 3 % 3])
            for article_id in set(log.articles.tolist())
        ]
    )
    weights = BlendWeights(per_product=1, history_limit=5, als_candidates=10)
    split = split_last_week(log)
    evaluation = evaluate(log, catalogue, als=SMALL_ALS, weights=weights, matrix_half_life_days=None)
    trend = TrendTable.build(*trending_scores(split.train, reference_day=split.cutoff), catalogue)
    model = BlendModel.build(catalogue, trend, evaluation.factors.articles, evaluation.article_map.ids)
    histories = histories_from_log(
        split.train,
        sorted(split.truth),
        reference_day=split.cutoff,
        half_life_days=weights.buy_again_half_life_days,
        articles=catalogue,
    )

    one_by_one = {}
    for customer, history in histories.items():
        vector = evaluation.factors.customers[evaluation.customer_map.position(customer)]
        columns = np.argsort(-(evaluation.factors.articles @ vector), kind="stable")[: weights.als_candidates]
        ranked = blend(
            history,
            vector=vector,
            als_candidates=catalogue.positions(evaluation.article_map.ids[columns]),
            model=model,
            weights=weights,
            limit=12,
        )
        one_by_one[customer] = [item.article_id for item in ranked]

    assert len(one_by_one) > 40 and any(len(history) > 5 for history in histories.values())
    assert {
        customer: evaluation.predictions["map12_blend"][customer] for customer in one_by_one
    } == one_by_one


def test_every_metric_is_the_mean_average_precision_of_the_lists_it_keeps_per_customer():
    log, _ = two_taste_log(customers_per_taste=400, articles_per_taste=15, purchases_each=8)
    catalogue = _catalogue(sorted(set(log.articles.tolist())))
    split = split_last_week(log)

    # A sample is drawn in random order: the mean must add the customers up in that order, as
    # mean_average_precision does, to be equal to the last digit.
    evaluation = evaluate(
        log,
        catalogue,
        als=SMALL_ALS,
        weights=BlendWeights(),
        matrix_half_life_days=None,
        sample_customers=len(split.truth) - 1,
    )

    assert set(evaluation.predictions) == set(evaluation.metrics) - {"eval_customers"}
    for name, predicted in evaluation.predictions.items():
        assert sorted(predicted) == sorted(evaluation.truth) and len(predicted) == len(split.truth) - 1
        assert evaluation.metrics[name] == mean_average_precision(evaluation.truth, predicted)


def test_topped_up_lists_add_last_weeks_best_sellers_and_cold_customers_get_trending():
    log, _ = two_taste_log(customers_per_taste=40, articles_per_taste=15, purchases_each=8)
    # Two customers first seen in the held-out week: no history, no ALS list.
    log = PurchaseLog(
        np.r_[log.customers, [9001, 9002]].astype(np.int32),
        np.r_[log.articles, log.articles[:2]],
        np.r_[log.days, [day_number(LAST_DAY)] * 2].astype(np.int32),
    )
    catalogue = _catalogue(sorted(set(log.articles.tolist())))
    split = split_last_week(log)
    popular = popular_last_week(split.train, reference_day=split.cutoff, k=12)
    trend = TrendTable.build(*trending_scores(split.train, reference_day=split.cutoff), catalogue)

    predictions = evaluate(
        log, catalogue, als=SMALL_ALS, weights=BlendWeights(), matrix_half_life_days=None
    ).predictions

    for customer in split.truth:
        for alone in ("map12_buy_again", "map12_als"):
            items = predictions[alone][customer]
            topped = predictions[f"{alone}_popular"][customer]
            assert topped == (items + [article for article in popular if article not in items])[:12]
    for customer in (9001, 9002):
        assert predictions["map12_als"][customer] == predictions["map12_buy_again"][customer] == []
        assert predictions["map12_blend"][customer] == trend.top_overall[:12]
        assert predictions["map12_popular_last_week"][customer] == popular
    assert 9003 not in predictions["map12_blend"]
    with pytest.raises(KeyError):
        predictions["map12_blend"][9003]
