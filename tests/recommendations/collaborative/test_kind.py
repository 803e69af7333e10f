"""The collaborative kind through the real training backbone: run, publish, activate, serve."""

import threading

import pytest

from accounts.models import Customer
from catalog.models import Article
from recommendations import feed, serving
from recommendations.collaborative.model import CollaborativeModel
from recommendations.models import ModelVersion
from recommendations.registry import get_kind
from recommendations.training import training_run_execute_in_process, training_run_request
from tests.factories import CustomerFactory
from tests.recommendations.collaborative.conftest import SMALL

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("dispatched")]


def _train():
    run = training_run_request(kind_name="collaborative", parameters=SMALL)
    training_run_execute_in_process(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_the_kind_is_registered_with_its_parameters():
    kind = get_kind("collaborative")
    assert kind.default_parameters["factors"] == 32 and "blend_buy_again" in kind.default_parameters
    with pytest.raises(ValueError, match="Unknown parameter"):
        kind.merged_parameters({"factor": 3})


def test_a_run_publishes_a_version_that_serves_the_widgets(planted_shop):
    run = _train()

    assert run.status == "succeeded", run.error
    for name in ("map12_popular_last_week", "map12_trending", "map12_buy_again", "map12_als", "map12_blend"):
        assert 0.0 <= run.metrics[name] <= 1.0
    assert run.metrics["ann_recall12"] >= 0.95 and run.metrics["ann_speedup"] > 0
    version = ModelVersion.objects.get(kind="collaborative", is_active=True)
    assert {"customer_factors.npy", "articles_ip.hnsw", "collaborative.json"} <= set(
        version.manifest["files"]
    )
    assert isinstance(serving.active_model("collaborative"), CollaborativeModel)

    result = feed.recommend_for_customer(Customer.objects.get(pk=3), 8)
    assert not result.fallback and len(result.items) == 8
    assert feed.also_bought(Article.objects.get(pk=2002), 4)
    assert feed.customers_like_you(Customer.objects.get(pk=3), 4)
    neighbours = feed.similar_customers(Customer.objects.get(pk=3), 3)
    assert len(neighbours) == 3 and all(isinstance(customer, Customer) for customer, _ in neighbours)


def test_without_a_trained_model_the_feed_is_trending_and_says_so(planted_shop):
    result = feed.recommend_for_customer(Customer.objects.get(pk=3), 6)

    assert result.fallback and result.note == feed.NO_MODEL_NOTE and len(result.items) == 6
    assert feed.also_bought(Article.objects.get(pk=2002), 4) == []
    assert feed.customers_like_you(Customer.objects.get(pk=3), 4) == []


def test_a_trained_model_this_process_cannot_load_is_not_called_untrained(planted_shop, settings):
    import shutil
    from pathlib import Path

    _train()
    version = ModelVersion.objects.get(kind="collaborative", is_active=True)
    shutil.rmtree(Path(settings.ARTIFACTS_ROOT) / version.path)
    serving.reset()

    result = feed.recommend_for_customer(Customer.objects.get(pk=3), 6)

    assert result.fallback and result.note == feed.UNAVAILABLE_NOTE and len(result.items) == 6


def test_while_this_process_loads_the_model_the_feed_says_picks_are_coming(planted_shop, monkeypatch):
    # A web worker's first seconds: the model loads in the background and the feed falls back.
    # It said "unavailable right now", as for a model that cannot be loaded at all.
    _train()
    serving.reset()
    monkeypatch.setattr(serving, "_first_loads_in_background", True)  # as a web server's warm-up
    loading, may_finish = threading.Event(), threading.Event()
    load_artifact = serving.artifacts.load_artifact

    def slow_load(path, kind):
        loading.set()
        may_finish.wait(timeout=10)
        return load_artifact(path, kind)

    monkeypatch.setattr(serving.artifacts, "load_artifact", slow_load)
    try:
        result = feed.recommend_for_customer(Customer.objects.get(pk=3), 6)
        assert loading.wait(timeout=10)
        assert result.fallback and result.note == feed.LOADING_NOTE and len(result.items) == 6
        assert serving.serving_state("collaborative")["loading"]
    finally:
        may_finish.set()
        serving.wait_for_loads(timeout=10)

    assert not feed.recommend_for_customer(Customer.objects.get(pk=3), 6).fallback
    assert not serving.serving_state("collaborative")["loading"]


def test_a_customer_without_purchases_gets_trending_and_is_told_why(planted_shop):
    _train()

    result = feed.recommend_for_customer(CustomerFactory(), 6)

    assert result.fallback and result.note == feed.COLD_START_NOTE and len(result.items) == 6
    assert all(item.reason.startswith("Popular") for item in result.items)


def test_a_customer_whose_purchases_are_all_newer_than_the_model_is_told_so(planted_shop):
    from tests.factories import ArticleFactory, PurchaseFactory

    _train()
    customer = CustomerFactory()
    PurchaseFactory(customer=customer, article=ArticleFactory(article_id=9_000_001))

    result = feed.recommend_for_customer(customer, 4)

    assert result.fallback and result.note == feed.NEWER_THAN_MODEL_NOTE and len(result.items) == 4
