import numpy as np
import pytest

from recommendations.collaborative.blend import (
    ALS,
    BUY_AGAIN,
    TRENDING,
    VARIANT,
    BlendModel,
    BlendWeights,
    History,
    _capped,
    blend,
)
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.popularity import TrendTable

LADIES, MEN = 0, 1
CATALOGUE = ArticleTable.from_rows(
    [
        (101, 1, "Ladieswear"),  # dress, two colours
        (102, 1, "Ladieswear"),
        (201, 2, "Ladieswear"),  # top, five colours
        (202, 2, "Ladieswear"),
        (203, 2, "Ladieswear"),
        (204, 2, "Ladieswear"),
        (205, 2, "Ladieswear"),
        (301, 3, "Menswear"),
        (401, 4, "Ladieswear"),
        (501, 5, "Menswear"),
    ]
)


def _history(*items):
    """(article id, weight) pairs, most recent first."""
    return History(
        CATALOGUE.positions([article for article, _ in items]), np.array([w for _, w in items], np.float32)
    )


def _model(trend=None, tastes=None):
    """ALS with one factor: an article's factor is its taste score; the customer vector is [1]."""
    tastes = tastes or {}
    ids = np.array(sorted(tastes) or [101], dtype=np.int64)
    factors = np.array([[tastes.get(int(article_id), 0.0)] for article_id in ids], dtype=np.float32)
    trend = trend or {}
    table = TrendTable.build(
        np.array(list(trend), np.int64), np.array(list(trend.values()), np.float32), CATALOGUE
    )
    return BlendModel.build(CATALOGUE, table, factors, ids)


def _blend(history, tastes=None, trend=None, limit=12, **weights):
    tastes = tastes or {}
    return blend(
        history,
        vector=np.ones(1, np.float32) if tastes else None,
        als_candidates=CATALOGUE.positions(list(tastes)),
        model=_model(trend, tastes),
        weights=BlendWeights(**weights),
        limit=limit,
    )


def test_the_catalogue_finds_positions_and_colour_variants():
    positions = CATALOGUE.positions([102, 999, 301])
    assert positions.tolist()[1] == -1 and CATALOGUE.article_ids[positions[[0, 2]]].tolist() == [102, 301]
    siblings, source = CATALOGUE.same_product(CATALOGUE.positions([101, 301]))
    assert sorted(CATALOGUE.article_ids[siblings].tolist()) == [101, 102, 301]
    assert source.tolist() == [0, 0, 1]
    assert (
        CATALOGUE.group_codes[CATALOGUE.position(301)] == MEN
        and CATALOGUE.group_names[LADIES] == "Ladieswear"
    )


def test_it_offers_bought_articles_again_and_their_other_colours():
    ranked = _blend(_history((101, 1.0)))

    assert [(item.article_id, item.source) for item in ranked] == [(101, BUY_AGAIN), (102, VARIANT)]
    assert ranked[1].related_to == 101
    assert ranked[0].score == pytest.approx(BlendWeights().buy_again)
    assert ranked[1].score == pytest.approx(BlendWeights().variant)


def test_a_variant_of_two_purchases_comes_from_the_heavier_one():
    ranked = _blend(_history((203, 0.2), (201, 0.9)), buy_again=0.0)
    variants = {item.article_id: item for item in ranked if item.source == VARIANT}
    assert set(variants) == {202, 204, 205}
    assert all(item.related_to == 201 for item in variants.values())


def test_recent_purchases_rank_above_old_ones():
    ranked = _blend(_history((401, 0.9), (301, 0.2)), variant=0.0)
    assert [item.article_id for item in ranked] == [401, 301]


def test_als_candidates_score_by_taste_and_name_their_source():
    ranked = _blend(_history((101, 0.1)), tastes={501: 2.0, 301: 0.4, 401: -1.0}, variant=0.0, buy_again=0.0)

    assert [(item.article_id, item.source) for item in ranked] == [(501, ALS), (301, ALS)]
    # u.v as it is, clipped to [0, 1]: 501 contributes `als` in full, 301 0.4 of it, 401 nothing.
    assert ranked[0].score == pytest.approx(BlendWeights().als)
    assert ranked[1].score == pytest.approx(BlendWeights().als * 0.4)


def test_trending_fills_only_from_the_customers_index_groups():
    ranked = _blend(_history((101, 1.0)), trend={401: 10.0, 501: 20.0}, variant=0.0)

    assert [(item.article_id, item.source) for item in ranked] == [(101, BUY_AGAIN), (401, TRENDING)]
    assert ranked[1].group == LADIES
    # 401 sells half as much as the best seller (501); the customer buys only Ladieswear.
    assert ranked[1].score == pytest.approx(BlendWeights().trending * 0.5)


def test_trending_articles_matching_the_taste_get_both_boosts():
    ranked = _blend(
        _history((101, 1.0), (501, 1.0)),
        tastes={401: 1.0, 301: 1.0},
        trend={401: 10.0, 301: 10.0},
        buy_again=0.0,
        variant=0.0,
    )

    scores = {item.article_id: item.score for item in ranked}
    weights = BlendWeights()
    # Half of the customer's purchases are Ladieswear, half Menswear.
    assert scores[401] == pytest.approx(weights.als + weights.taste_trending + weights.trending * 0.5)


def test_it_never_repeats_an_article_and_caps_items_per_product():
    tastes = {201: 5, 202: 4, 203: 3, 204: 2, 205: 1, 301: 0.5}

    ranked = _blend(_history((201, 1.0)), tastes=tastes, per_product=3)

    ids = [item.article_id for item in ranked]
    assert len(ids) == len(set(ids))
    assert len([article_id for article_id in ids if article_id // 100 == 2]) == 3
    assert 301 in ids


def test_it_stops_at_the_limit():
    assert len(_blend(_history((101, 1.0), (301, 1.0), (401, 1.0)), limit=2)) == 2


def test_an_article_bought_before_reads_as_buy_again_even_when_als_likes_it_more():
    ranked = _blend(_history((501, 0.1)), tastes={501: 3.0})
    assert [(item.article_id, item.source) for item in ranked] == [(501, BUY_AGAIN)]


def test_a_customer_without_history_or_taste_gets_nothing_to_rank():
    assert _blend(History.empty()) == []


def test_weights_round_trip_through_run_parameters():
    weights = BlendWeights(als=0.7, per_product=2)
    parameters = weights.as_parameters()
    assert parameters["blend_als"] == 0.7
    assert BlendWeights.from_mapping({**parameters, "factors": 64}) == weights
    assert isinstance(BlendWeights.from_mapping({"blend_per_product": "4"}).per_product, int)


@pytest.mark.parametrize("per_product", [1, 3])
def test_capping_many_customers_at_once_keeps_what_capping_each_alone_keeps(per_product):
    rng = np.random.default_rng(per_product)
    # 60 customers with 0-120 ranked items from 1-40 products: some lists are long runs of one
    # product, so their first items leave fewer than the limit and the rest must be read too.
    owners = np.repeat(np.arange(60), rng.integers(0, 120, 60))
    codes = np.where(rng.random(owners.size) < 0.5, 0, rng.integers(1, 40, owners.size))
    ranked = rng.permutation(owners.size)
    ranked = ranked[np.argsort(owners[ranked], kind="stable")]  # by owner, then any order

    expected = []
    for owner in range(60):
        taken: dict[int, int] = {}
        kept = []
        for item in ranked[owners[ranked] == owner].tolist():
            if taken.get(codes[item], 0) < per_product and len(kept) < 12:
                taken[codes[item]] = taken.get(codes[item], 0) + 1
                kept.append(item)
        expected.extend(kept)

    assert _capped(ranked, owners, codes, per_product, 12).tolist() == expected
