"""The "For you" row's rules hold when trending fills it, not only for the blend's own picks."""

import pytest

from recommendations import feed
from recommendations.types import Recommendation
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def trending_row(codes, first_score=100.0, first_id=5_000_000):
    """Trending items, best first, one per product code given (colour variants repeat a code)."""
    return [
        Recommendation(
            ArticleFactory.build(article_id=first_id + n, product_code=code),
            "Popular this week",
            first_score - n,
        )
        for n, code in enumerate(codes)
    ]


def test_a_cold_start_row_shows_at_most_three_colours_of_a_product(monkeypatch):
    # The best sellers are eight colours of one product, then other products.
    row = trending_row([7] * 8 + list(range(100, 140)))
    monkeypatch.setattr("recommendations.trending.trending_articles", lambda group, limit: row[:limit])

    result = feed.recommend_for_customer(None, 12)

    assert result.fallback and len(result.items) == 12
    codes = [item.article.product_code for item in result.items]
    assert codes.count(7) == 3 and codes[:3] == [7, 7, 7]


def test_topping_up_keeps_the_product_cap_no_repeats_and_scores_in_row_order():
    # The blend's picks score on its own scale, a few units; trending counts sales (tens, hundreds).
    personal = [
        Recommendation(item.article, "Because you bought …", score)
        for item, score in zip(trending_row([1, 1, 2]), [2.0, 1.0, 0.5], strict=True)
    ]
    trending = trending_row([1, 1, 3, 3, 3, 3, 4, 5, 6], first_id=6_000_000)
    trending.insert(0, personal[2])  # the same article as a personal pick

    row = feed._filled(personal, iter([trending]), 8, per_product=3)

    ids = [item.article.article_id for item in row]
    codes = [item.article.product_code for item in row]
    assert len(row) == 8 and len(set(ids)) == 8
    assert codes == [1, 1, 2, 1, 3, 3, 3, 4]
    scores = [item.score for item in row]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 8 and scores[-1] > 0
