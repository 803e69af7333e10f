"""Trending: the decayed best-seller ranking, its artifact, and the fallback query."""

import datetime as dt

import pytest

from recommendations import serving
from recommendations.models import ModelVersion
from recommendations.training import training_run_execute_in_process, training_run_request
from recommendations.trending import trending_articles
from tests.factories import ArticleFactory, PurchaseFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("dispatched")]
LAST_DAY = dt.date(2020, 9, 22)


def sell(article, days_ago, times=1):
    for _ in range(times):
        PurchaseFactory(article=article, t_dat=LAST_DAY - dt.timedelta(days=days_ago))


def train_trending(**parameters):
    run = training_run_request(kind_name="trending", parameters=parameters)
    training_run_execute_in_process(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.fixture
def shop():
    """Ladieswear: a fresh hit, an old hit, a steady seller. Menswear: one article. One stale best seller."""
    articles = {
        "fresh": ArticleFactory(prod_name="Fresh hit"),
        "old": ArticleFactory(prod_name="Old hit"),
        "steady": ArticleFactory(prod_name="Steady"),
        "mens": ArticleFactory(prod_name="Shirt", index_group_name="Menswear", index_group_no=3),
        "last_month": ArticleFactory(prod_name="Last month"),
    }
    sell(articles["fresh"], days_ago=0, times=3)  # 3.0
    sell(articles["old"], days_ago=6, times=6)  # 6 * 0.5**2 = 1.5
    for day in range(7):
        sell(articles["steady"], days_ago=day)  # 1 + .79 + .63 + .5 + .4 + .31 + .25 = 3.88
    sell(articles["mens"], days_ago=1, times=2)  # 1.59
    sell(articles["last_month"], days_ago=20, times=50)  # outside the window
    return articles


def test_it_ranks_recent_sales_higher_overall_and_per_index_group(shop):
    run = train_trending()
    assert run.status == "succeeded", run.error
    assert run.metrics == {
        "purchases_in_window": 18.0,
        "articles_ranked": 4.0,
        "index_groups": 2.0,
        "window_days": 7.0,
    }
    overall = trending_articles(None, 10)
    assert [item.article.prod_name for item in overall] == ["Steady", "Fresh hit", "Shirt", "Old hit"]
    assert overall[1].score == pytest.approx(3.0)
    assert overall[3].score == pytest.approx(1.5)
    assert {item.reason for item in overall} == {"Popular this week"}
    ladies = trending_articles("Ladieswear", 2)
    assert [item.article.prod_name for item in ladies] == ["Steady", "Fresh hit"]
    assert ladies[0].reason == "Popular in Ladieswear this week"
    assert [item.article.prod_name for item in trending_articles("Menswear", 5)] == ["Shirt"]


def test_the_window_and_half_life_are_parameters(shop):
    train_trending(window_days=30, half_life_days=100)
    assert trending_articles(None, 1)[0].article.prod_name == "Last month"


def test_the_artifact_holds_numpy_rankings_and_a_description(shop, artifacts_root):
    train_trending()
    version = ModelVersion.objects.get(kind="trending", is_active=True)
    assert set(version.manifest["files"]) == {
        "overall_ids.npy",
        "overall_scores.npy",
        "group_ids.npy",
        "group_scores.npy",
        "groups.json",
    }
    model = serving.active_model("trending")
    assert model.window_end == "2020-09-22"
    assert list(model.groups) == ["Ladieswear", "Menswear"]


def test_it_skips_articles_that_left_the_catalogue(shop):
    train_trending()
    shop["steady"].purchases.all().delete()
    shop["steady"].delete()
    assert trending_articles(None, 10)[0].article.prod_name == "Fresh hit"


def test_without_a_trained_model_it_falls_back_to_last_weeks_best_sellers(shop):
    items = trending_articles("Ladieswear", 3)
    assert [item.article.prod_name for item in items] == ["Steady", "Old hit", "Fresh hit"]
    assert items[0].reason == "Popular in Ladieswear this week"
    assert items[0].score == 7.0


def test_a_corrupted_trending_artifact_falls_back_to_the_query(shop, artifacts_root, caplog):
    train_trending()
    version = ModelVersion.objects.get(kind="trending")
    (artifacts_root / version.path / "overall_ids.npy").write_bytes(b"garbage")
    serving.reset()
    assert [item.article.prod_name for item in trending_articles(None, 2)] == ["Steady", "Old hit"]
    assert "overall_ids.npy" in caplog.text


def test_an_unknown_index_group_gets_nothing_from_the_model_and_the_fallback(shop):
    train_trending()
    assert trending_articles("Sport", 5) == []


def test_training_without_purchases_fails_with_a_clear_message_and_no_traceback():
    run = train_trending()
    what_to_do = "There are no purchases yet: import transactions before training trending."
    # An expected condition: the admin and the API show what to import, not a stack trace.
    assert (run.status, run.message, run.error) == ("failed", what_to_do, what_to_do)


def test_with_no_purchases_and_no_model_there_is_nothing_to_show():
    ArticleFactory(prod_name="Quiet")
    assert trending_articles(None, 5) == []
