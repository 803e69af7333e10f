import numpy as np
import pytest

from recommendations.collaborative.blend import (
    ALS,
    BUY_AGAIN,
    TRENDING,
    VARIANT,
    BlendWeights,
    HistoryItem,
    blend,
)
from recommendations.collaborative.catalogue import ArticleTable
from recommendations.collaborative.popularity import TrendTable

LADIES, MEN = 0, 1


def _catalogue():
    rows = [
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
    return ArticleTable.from_rows(rows)


def _history(*items):
    catalogue = _catalogue()
    return [
        HistoryItem(article, weight, catalogue.product_code(article), catalogue.group(article))
        for article, weight in items
    ]


def _affinity(scores):
    return lambda ids: np.array([scores.get(article_id, 0.0) for article_id in ids], dtype=np.float32)


def _trend(scores):
    catalogue = _catalogue()
    return TrendTable.build(
        np.array(list(scores), dtype=np.int64), np.array(list(scores.values()), np.float32), catalogue
    )


def _blend(history, affinity=None, als=(), trend=None, limit=12, **weights):
    return blend(
        history,
        affinity=affinity,
        als_candidates=list(als),
        articles=_catalogue(),
        trend=trend or _trend({}),
        weights=BlendWeights(**weights),
        limit=limit,
    )


def test_the_catalogue_knows_colour_variants_and_groups():
    catalogue = _catalogue()
    assert catalogue.variants_of(1).tolist() == [101, 102]
    assert catalogue.group(301) == MEN and catalogue.group_names[LADIES] == "Ladieswear"
    assert catalogue.product_code(999) is None and catalogue.variants_of(99).tolist() == []


def test_it_offers_bought_articles_again_and_their_other_colours():
    ranked = _blend(_history((101, 1.0)))

    assert [(item.article_id, item.source) for item in ranked] == [(101, BUY_AGAIN), (102, VARIANT)]
    assert ranked[1].related_to == 101
    assert ranked[0].score > ranked[1].score


def test_recent_purchases_rank_above_old_ones():
    ranked = _blend(_history((301, 0.2), (401, 0.9)), variant=0.0)
    assert [item.article_id for item in ranked] == [401, 301]


def test_als_candidates_score_by_taste_and_name_their_source():
    ranked = _blend(
        _history((101, 0.1)), affinity=_affinity({501: 2.0, 301: 1.0}), als=[501, 301], variant=0.0
    )

    assert [(item.article_id, item.source) for item in ranked][:2] == [(501, ALS), (301, ALS)]
    # Scaled by the best candidate: 501 contributes `als` in full, 301 half of it.
    assert ranked[0].score == pytest.approx(BlendWeights().als)
    assert ranked[1].score == pytest.approx(BlendWeights().als / 2)


def test_trending_fills_only_from_the_customers_index_groups():
    trend = _trend({401: 10.0, 501: 20.0})

    ranked = _blend(_history((101, 1.0)), trend=trend, variant=0.0)

    assert [(item.article_id, item.source) for item in ranked] == [(101, BUY_AGAIN), (401, TRENDING)]
    assert ranked[1].group == LADIES


def test_trending_articles_matching_the_taste_get_both_boosts():
    trend = _trend({401: 10.0, 301: 10.0})
    affinity = _affinity({401: 1.0, 301: 1.0})

    ranked = _blend(
        _history((101, 1.0), (501, 1.0)),
        affinity=affinity,
        als=[401, 301],
        trend=trend,
        buy_again=0.0,
        variant=0.0,
    )

    scores = {item.article_id: item.score for item in ranked}
    weights = BlendWeights()
    assert scores[401] == pytest.approx(weights.als + weights.taste_trending + weights.trending * 0.5)


def test_it_never_repeats_an_article_and_caps_items_per_product():
    affinity = _affinity({201: 5, 202: 4, 203: 3, 204: 2, 205: 1, 301: 0.5})
    history = _history((201, 1.0))

    ranked = _blend(history, affinity=affinity, als=[201, 202, 203, 204, 205, 301, 201], per_product=3)

    ids = [item.article_id for item in ranked]
    assert len(ids) == len(set(ids))
    assert len([article_id for article_id in ids if article_id // 100 == 2]) == 3
    assert 301 in ids


def test_it_stops_at_the_limit():
    ranked = _blend(_history((101, 1.0), (301, 1.0), (401, 1.0)), limit=2)
    assert len(ranked) == 2


def test_weights_round_trip_through_run_parameters():
    weights = BlendWeights(als=0.7, per_product=2)
    parameters = weights.as_parameters()
    assert parameters["blend_als"] == 0.7
    assert BlendWeights.from_mapping({**parameters, "factors": 64}) == weights
    assert isinstance(BlendWeights.from_mapping({"blend_per_product": "4"}).per_product, int)


def test_an_article_bought_before_reads_as_buy_again_even_when_als_likes_it_more():
    ranked = _blend(_history((501, 0.1)), affinity=_affinity({501: 3.0}), als=[501])
    assert [(item.article_id, item.source) for item in ranked] == [(501, BUY_AGAIN)]
