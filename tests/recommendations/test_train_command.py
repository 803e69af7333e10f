"""`manage.py train`: the same service as the admin and the API, in-process or through the queue."""

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import ModelVersion, TrainingRun
from tests.recommendations import dummy_kind

KIND = dummy_kind.KIND_NAME
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("dummy_kind_registered")]


def test_it_trains_in_process_and_reports_the_metrics(capsys):
    call_command("train", KIND, "--in-process", "--param", "value=6", "--param", "sleep=0.6")
    out = capsys.readouterr()
    assert f"Training {KIND} in this process" in out.out
    assert f"{KIND} run #" in out.out
    assert "succeeded in" in out.out
    assert "Metrics: chunks_seen=0.0, value=6.0" in out.out
    assert "%" in out.err  # tqdm's bar
    run = TrainingRun.objects.get()
    assert (run.status, run.trigger, run.parameters["value"]) == ("succeeded", "command", 6)
    assert ModelVersion.objects.get().is_active


def test_without_a_broker_it_runs_in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    call_command("train", KIND)
    assert TrainingRun.objects.get().status == "succeeded"


def test_a_failing_run_is_a_command_error_with_the_reason():
    with pytest.raises(CommandError, match=r"failed after .* s: RuntimeError: nope"):
        call_command("train", KIND, "--in-process", "--param", "fail=nope")


def test_bad_arguments_are_command_errors():
    with pytest.raises(CommandError, match="Unknown model kind 'astrology'"):
        call_command("train", "astrology", "--in-process")
    with pytest.raises(CommandError, match="expected NAME=VALUE"):
        call_command("train", KIND, "--param", "value")
    with pytest.raises(CommandError, match=r"Unknown parameter\(s\) for test-dummy: colour"):
        call_command("train", KIND, "--param", "colour=red")


def test_with_a_broker_it_queues_and_says_where_to_follow(dispatched, capsys):
    call_command("train", KIND)
    run = TrainingRun.objects.get()
    assert dispatched == [run.pk]
    assert f"/api/v1/training-runs/{run.pk}/" in capsys.readouterr().out
    assert run.status == "queued"
