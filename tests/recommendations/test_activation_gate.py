"""The quality gate at activation, through the training backbone with a gated dummy kind.

The kind scores `score` against two simple baselines, `popular` and `buy_again`, on
`held_out_customers` held-out customers (all run parameters), so each test says exactly how good
a run was, how good the baselines were on the same week, and on how many customers.
"""

import dataclasses
import datetime as dt
import html
import logging
import math
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from recommendations import artifacts, serving, versions
from recommendations.models import ModelVersion, TrainingRun, TrainingSchedule
from recommendations.registry import ActivationGate, TrainingContext, register_kind, unregister_kind
from recommendations.training import (
    training_run_execute_in_process,
    training_run_request,
    training_schedule_tick,
)
from recommendations.versions import model_version_activate
from tests.factories import StaffUserFactory
from tests.recommendations import dummy_kind

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("gated_kind", "dispatched")]
KIND = "test-gated"
RUNS = "/admin/recommendations/trainingrun/"
VERSIONS = "/admin/recommendations/modelversion/"


def train_scored(ctx: TrainingContext) -> dict[str, float]:
    metrics = dummy_kind.train(ctx)
    if ctx.parameters["evaluate"]:
        for name in ("score", "popular", "buy_again"):
            metrics[name] = ctx.parameters[name]
        if ctx.parameters["score_is_nan"]:  # parameters must be finite: a broken fit says NaN itself
            metrics["score"] = math.nan
        metrics["held_out_customers"] = float(ctx.parameters["held_out_customers"])
    return metrics


GATED_KIND = dataclasses.replace(
    dummy_kind.KIND,
    name=KIND,
    train=train_scored,
    default_parameters={
        **dummy_kind.KIND.default_parameters,
        "evaluate": True,
        "score": 1.0,
        "popular": 0.5,
        "buy_again": 0.8,
        "held_out_customers": 1000,
        "score_is_nan": False,
        "activation_min_ratio": 0.9,
        "activation_min_eval_customers": 500,
    },
    activation_gate=ActivationGate(
        metric="score",
        label="held-out score",
        baselines={"popular": "popular", "buy_again": "buy_again"},
        sample_metric="held_out_customers",
    ),
)


@pytest.fixture
def gated_kind():
    register_kind(GATED_KIND)
    cache.delete(serving.active_version_cache_key(KIND))
    yield GATED_KIND
    unregister_kind(KIND)
    cache.delete(serving.active_version_cache_key(KIND))


def train(**parameters):
    run = training_run_request(kind_name=KIND, parameters=parameters)
    training_run_execute_in_process(run_id=run.pk)
    run.refresh_from_db()
    return run


def active_version():
    return ModelVersion.objects.get(kind=KIND, is_active=True)


def test_a_run_clearly_below_its_baselines_is_published_but_the_previous_version_keeps_serving(caplog):
    good = train(score=1.0)
    assert serving.active_model(KIND) is not None

    with caplog.at_level(logging.WARNING, logger="recommendations.training"):
        worse = train(score=0.34)

    assert worse.status == "succeeded"
    assert worse.held_back
    held_back = ModelVersion.objects.get(run=worse)
    assert not held_back.is_active and held_back.activated_at is None
    assert active_version().run == good
    assert serving.active_model(KIND) is not None
    assert serving.serving_state(KIND)["loaded_version_id"] == good.model_version.pk
    serving.reset()  # as a web process starting now reads it
    assert serving.active_model(KIND) is not None
    assert serving.serving_state(KIND)["loaded_version_id"] == good.model_version.pk
    assert "did not activate it (quality gate)" in caplog.text


def test_the_message_names_the_run_s_number_and_its_best_baseline_s():
    train()
    worse = train(score=0.069, popular=0.19, buy_again=0.12)

    assert worse.message == (
        "Published version 2 but did not activate it: held-out score 0.0690 is below 0.9 x the best "
        "simple baseline (popular 0.1900) measured on the same week. Activate it from Model versions "
        "if intended."
    )


def test_a_run_within_the_ratio_of_its_best_baseline_is_activated():
    train()
    slightly_below = train(score=0.73, buy_again=0.8)

    assert slightly_below.message == "Published and activated version 2"
    assert not slightly_below.held_back
    assert active_version().run == slightly_below


def test_a_run_is_judged_on_its_own_week_not_on_the_active_version_s_score():
    # Demo data, then the real import: every metric falls ten times, the bar with it.
    train(score=0.2, popular=0.1, buy_again=0.15)
    real = train(score=0.02, popular=0.01, buy_again=0.018)

    assert not real.held_back
    assert active_version().run == real


def test_a_broken_active_version_does_not_block_its_repair():
    lost = train(score=0.9)
    artifacts.get_store().delete(lost.model_version.path)
    serving.reset()
    assert serving.active_model(KIND) is None

    repair = train(score=0.8)

    assert not repair.held_back
    serving.reset()
    assert serving.active_model(KIND) is not None


def test_a_ratio_of_0_turns_the_gate_off():
    train()
    much_worse = train(score=0.01, activation_min_ratio=0)

    assert not much_worse.held_back
    assert active_version().run == much_worse
    assert much_worse.message == "Published and activated version 2"  # turned off, not skipped


def test_the_first_version_of_a_kind_is_held_back_too_when_clearly_below_its_baselines():
    first = train(score=0.1)

    assert first.held_back
    assert not ModelVersion.objects.filter(kind=KIND, is_active=True).exists()
    assert serving.active_model(KIND) is None  # callers fall back, as before any run


def test_a_run_without_evaluation_is_activated():
    train()
    unevaluated = train(score=0.01, evaluate=False)

    assert not unevaluated.held_back
    assert active_version().run == unevaluated
    assert unevaluated.message == (
        "Published and activated version 2 (quality gate not applied: the run measured no held-out score)"
    )


def test_a_held_out_week_with_too_few_customers_does_not_gate():
    train()
    few = train(score=0.1, held_out_customers=499)

    assert not few.held_back
    assert active_version().run == few
    assert few.message == (
        "Published and activated version 2 (quality gate not applied: 499 held-out customers, fewer than 500)"
    )


def test_a_run_whose_score_is_not_a_number_is_held_back():
    train()
    broken = train(score_is_nan=True)

    assert broken.held_back
    assert broken.message == (
        "Published version 2 but did not activate it: held-out score is not a number, while the best "
        "simple baseline (buy_again 0.8000) was measured on the same week. Activate it from Model "
        "versions if intended."
    )
    assert active_version().version == 1


def test_the_minimum_of_customers_itself_is_enough_to_gate():
    worse = train(score=0.1, held_out_customers=500)

    assert worse.held_back


def test_a_held_back_version_can_be_activated_by_hand():
    train()
    worse = train(score=0.1)
    model_version_activate(version=ModelVersion.objects.get(run=worse))

    assert active_version().run == worse
    serving.reset()
    assert serving.active_model(KIND) is not None
    assert serving.serving_state(KIND)["loaded_version_id"] == worse.model_version.pk


def test_a_scheduled_run_is_gated_the_same_way():
    good = train()
    night = dt.datetime(2024, 5, 1, 2, 0, tzinfo=dt.UTC)
    TrainingSchedule.objects.create(kind=KIND, parameters={"score": 0.1}, last_triggered_at=night)

    training_schedule_tick(now=night.replace(hour=3, minute=1))
    scheduled = TrainingRun.objects.get(kind=KIND, trigger=TrainingRun.Trigger.SCHEDULE)
    training_run_execute_in_process(run_id=scheduled.pk)
    scheduled.refresh_from_db()

    assert scheduled.status == "succeeded" and scheduled.held_back
    assert active_version().run == good


def test_held_back_versions_do_not_push_the_rollback_targets_out_of_storage(settings, artifacts_root):
    settings.ARTIFACTS_KEEP = 2
    train()  # v1
    train()  # v2, active
    for _ in range(3):
        train(score=0.1)  # v3-v5, held back night after night

    on_disk = sorted(path.name for path in (artifacts_root / KIND).iterdir())
    # v1 and v2 to roll back to, v5 for staff to activate as its message offers.
    assert on_disk == ["v0001", "v0002", "v0005"]
    assert list(ModelVersion.objects.available().values_list("version", flat=True)) == [5, 2, 1]


def test_a_held_back_version_activated_by_hand_counts_as_a_rollback_target(settings, artifacts_root):
    settings.ARTIFACTS_KEEP = 2
    train()  # v1
    held_back = train(score=0.1)  # v2
    model_version_activate(version=held_back.model_version)
    train()  # v3, active

    versions.model_versions_prune(kind_name=KIND)

    # v2 served once: it is the rollback target next to v3, and v1 is the one beyond ARTIFACTS_KEEP.
    assert sorted(path.name for path in (artifacts_root / KIND).iterdir()) == ["v0002", "v0003"]


def test_the_newest_held_back_version_stays_after_a_later_version_passes(settings, artifacts_root):
    settings.ARTIFACTS_KEEP = 2
    train()  # v1
    train(score=0.1)  # v2, held back
    train(score=0.1)  # v3, held back: staff were told they could activate it
    train()  # v4, active

    versions.model_versions_prune(kind_name=KIND)

    assert sorted(path.name for path in (artifacts_root / KIND).iterdir()) == ["v0001", "v0003", "v0004"]


def test_a_held_back_version_activated_while_pruning_runs_is_kept(settings, artifacts_root, monkeypatch):
    settings.ARTIFACTS_KEEP = 1
    prune = versions.model_versions_prune
    monkeypatch.setattr(versions, "model_versions_prune", lambda **_: 0)  # not after each run
    train()  # v1
    doomed = train(score=0.1).model_version  # v2, held back, older than v3
    train(score=0.1)  # v3, held back
    serving_run = train()  # v4, active
    real_get_store = artifacts.get_store

    def staff_try_v2_between_listing_and_pruning():
        # Pruning listed v2 as never activated; staff activate it and go back to v4 meanwhile
        # (with the real store: activating checks the files).
        monkeypatch.setattr(versions.artifacts, "get_store", real_get_store)
        model_version_activate(version=doomed)
        model_version_activate(version=serving_run.model_version)
        return real_get_store()

    monkeypatch.setattr(versions.artifacts, "get_store", staff_try_v2_between_listing_and_pruning)
    prune(kind_name=KIND)

    # v1 goes as planned; v2 served meanwhile, a rollback target now.
    assert sorted(path.name for path in (artifacts_root / KIND).iterdir()) == ["v0002", "v0003", "v0004"]


def test_staff_see_a_held_back_run_on_its_page_in_the_list_filter_and_the_api():
    train()
    worse = train(score=0.1)
    staff = StaffUserFactory(username="olga_ops")
    admin = Client()
    admin.force_login(staff)
    api = APIClient()
    api.force_authenticate(staff)

    page = admin.get(f"{RUNS}{worse.pk}/change/").content.decode()
    assert html.escape("Published version 2 but did not activate it: held-out score 0.1000") in page
    assert re.search(r'field-held_back.*?alt="True"', page, re.DOTALL)
    assert "v2</a>" in page and "v2</a> (active)" not in page
    held_back_only = admin.get(f"{RUNS}?held_back__exact=1").content.decode()
    assert re.findall(r'data-run-id="(\d+)"', held_back_only) == [str(worse.pk)]
    body = api.get(f"/api/v1/training-runs/{worse.pk}/").json()
    assert body["held_back"] is True
    assert body["message"] == worse.message
    assert body["model_version"] == {"id": worse.model_version.pk, "version": 2, "is_active": False}


def test_the_runs_list_tells_a_held_back_run_from_one_staff_activated_since():
    train()
    still_held_back = train(score=0.1)
    activated_since = train(score=0.2)
    model_version_activate(version=activated_since.model_version)
    admin = Client()
    admin.force_login(StaffUserFactory(username="olga_ops"))

    rows = run_rows(admin.get(RUNS).content.decode())

    assert "held back" in rows[str(still_held_back.pk)]
    assert "activated by hand" not in rows[str(still_held_back.pk)]
    assert "held back, activated by hand" in rows[str(activated_since.pk)]
    assert "held back" not in rows[str(activated_since.pk - 2)]


def test_model_versions_show_which_were_held_back_and_why():
    train()
    held_back = train(score=0.1)
    admin = Client()
    admin.force_login(StaffUserFactory(username="olga_ops"))

    listed = admin.get(VERSIONS).content.decode()
    page = admin.get(f"{VERSIONS}{held_back.model_version.pk}/change/").content.decode()

    for text in (listed, page):
        assert "held back</span>" in text
        assert html.escape(held_back.message) in text
    assert listed.count("held back</span>") == 1


def test_the_train_command_says_the_version_was_held_back_not_that_the_run_activated_it(capsys):
    train()

    call_command("train", KIND, "--in-process", "--param", "score=0.1")

    out = capsys.readouterr().out
    assert (
        "did not activate it: held-out score 0.1000 is below 0.9 x the best simple baseline "
        "(buy_again 0.8000) measured on the same week." in out
    )
    assert "if intended.." not in out
    assert "succeeded in" not in out


def run_rows(page):
    """The text of each row of the runs list, by run id."""
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", page, re.DOTALL):
        run_id = re.search(r'data-run-id="(\d+)"', row)
        if run_id:
            rows[run_id.group(1)] = re.sub(r"<[^>]+>", " ", row)
    return rows
