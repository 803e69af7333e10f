"""The quality gate on real collaborative runs: a clearly worse retrain leaves "For you" as it was."""

import pytest

from accounts.models import Customer
from recommendations import feed, serving
from recommendations.collaborative.parameters import DEFAULT_ACTIVATION_MIN_EVAL_CUSTOMERS
from recommendations.models import ModelVersion
from recommendations.training import training_run_execute_in_process, training_run_request
from tests.recommendations.collaborative.conftest import SMALL

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("dispatched")]
# The planted shop's held-out week has 30 customers, under the default minimum of 500.
PLANTED = {**SMALL, "activation_min_eval_customers": 10}
# On the planted shop (tastes without repeat purchases) these score the held-out week about
# three times SMALL's blend: 0.19 against 0.065. Any retrain with SMALL is then clearly worse.
STRONG = {
    "factors": 2,
    "iterations": 1,
    "regularization": 1000.0,
    "blend_buy_again": 0.0,
    "blend_variant": 0.0,
}


def train(**parameters):
    run = training_run_request(kind_name="collaborative", parameters={**PLANTED, **parameters})
    training_run_execute_in_process(run_id=run.pk)
    run.refresh_from_db()
    return run


def served_version_id():
    return serving.serving_state("collaborative")["loaded_version_id"]


def test_a_clearly_worse_retrain_is_published_and_the_feed_keeps_the_version_it_had(planted_shop):
    shopper = Customer.objects.get(pk=3)
    serving_run = train(**STRONG)
    before = feed.recommend_for_customer(shopper, 8)
    assert not before.fallback and served_version_id() == serving_run.model_version.pk

    worse = train()

    assert worse.metrics["map12_blend"] < 0.8 * serving_run.metrics["map12_blend"]
    assert worse.status == "succeeded" and worse.held_back
    assert worse.message == (
        "Published version 2 but did not activate it: held-out MAP@12 of the blend "
        f"{worse.metrics['map12_blend']:.4f} is below 0.8 x active version 1's "
        f"{serving_run.metrics['map12_blend']:.4f}. Activate it from Model versions if intended."
    )
    assert ModelVersion.objects.get(kind="collaborative", is_active=True).run == serving_run
    assert feed.recommend_for_customer(shopper, 8) == before
    assert served_version_id() == serving_run.model_version.pk
    serving.reset()  # a web process starting now
    assert feed.recommend_for_customer(shopper, 8) == before
    assert served_version_id() == serving_run.model_version.pk


def test_the_default_minimum_of_held_out_customers_keeps_a_small_shop_ungated(planted_shop):
    train(**STRONG)

    worse = train(activation_min_eval_customers=DEFAULT_ACTIVATION_MIN_EVAL_CUSTOMERS)

    assert worse.metrics["eval_customers"] < DEFAULT_ACTIVATION_MIN_EVAL_CUSTOMERS
    assert not worse.held_back and worse.model_version.is_active


def test_a_worse_retrain_with_the_gate_off_is_activated(planted_shop):
    train(**STRONG)

    worse = train(activation_min_ratio=0)

    assert not worse.held_back and worse.model_version.is_active
    feed.recommend_for_customer(Customer.objects.get(pk=3), 8)
    assert served_version_id() == worse.model_version.pk
