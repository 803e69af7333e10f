"""`manage.py train`: the same service as the admin and the API, in-process or through the queue."""

import datetime as dt
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

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


def test_a_failing_run_is_a_command_error_with_the_reason_and_its_traceback_once():
    with pytest.raises(CommandError, match=r"failed after .* s: RuntimeError: nope") as raised:
        call_command("train", KIND, "--in-process", "--param", "fail=nope")
    assert str(raised.value).count("RuntimeError: nope") == 2  # the reason, the traceback's last line
    assert str(raised.value).count("Traceback") == 1


@pytest.mark.parametrize(
    ("kind", "what_to_do"),
    [
        ("trending", "There are no purchases yet: import transactions before training trending."),
        ("collaborative", "There are no purchases to learn from: import transactions_train.csv first."),
    ],
)
def test_a_kind_the_data_cannot_make_yet_says_what_to_import_without_a_traceback(kind, what_to_do):
    with pytest.raises(CommandError) as raised:
        call_command("train", kind, "--in-process")
    assert str(raised.value).endswith(f" s: {what_to_do}")
    assert "Traceback" not in str(raised.value)
    assert TrainingRun.objects.get().error == what_to_do


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


def test_wait_ends_with_the_reason_when_the_only_worker_is_killed(monkeypatch):
    # The worker takes the run and dies in it: no heartbeat since, and no worker left to run beat's
    # sweep. Following the run used to poll "running" for ever.
    def taken_by_a_worker_then_killed(run_id):
        silent_since = timezone.now() - dt.timedelta(seconds=61)
        TrainingRun.objects.filter(pk=run_id).update(
            status="running", started_at=silent_since, heartbeat_at=silent_since, steps_running=1
        )

    monkeypatch.setattr("recommendations.training._enqueue", taken_by_a_worker_then_killed)
    outcome: list[BaseException] = []

    def follow():
        try:
            call_command("train", KIND, "--wait")
        except CommandError as error:
            outcome.append(error)
        finally:
            connection.close()

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    follower.join(timeout=30)
    assert not follower.is_alive(), "train --wait still follows a run whose worker is gone"
    assert "failed after" in str(outcome[0])
    assert "Worker lost" in str(outcome[0])


@pytest.fixture
def ctrl_c_while_following(monkeypatch):
    from recommendations.management.commands import train

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train.Command, "_follow", interrupted)


def interrupted_command(*args):
    with pytest.raises(CommandError) as raised:
        try:
            call_command("train", KIND, *args)
        except KeyboardInterrupt:  # not caught: pytest would stop the whole session
            pytest.fail("KeyboardInterrupt escaped the command, with its traceback")
    assert raised.value.returncode == 130
    return str(raised.value)


@pytest.mark.usefixtures("ctrl_c_while_following")
def test_ctrl_c_while_waiting_stops_following_and_says_the_run_goes_on(dispatched):
    said = interrupted_command("--wait")
    run = TrainingRun.objects.get()
    assert said == (
        f"Stopped following {KIND} run #{run.pk}; it goes on. Follow it in the admin, "
        f"at /api/v1/training-runs/{run.pk}/, or cancel it there."
    )
    assert run.status == "queued"


@pytest.mark.usefixtures("ctrl_c_while_following")
def test_ctrl_c_in_process_cancels_the_run_and_says_so():
    said = interrupted_command("--in-process", "--param", "sleep=30")
    run = TrainingRun.objects.get()
    assert said == f"Interrupted: {KIND} run #{run.pk} cancelled; nothing from it was activated."
    assert run.status == "cancelled"
    assert not ModelVersion.objects.exists()


def test_into_a_log_file_the_bar_is_not_redrawn_twice_a_second(capsys):
    # `train KIND --wait 2> train.log` (cron, a CI job) kept every redraw: one every half second.
    call_command("train", KIND, "--in-process", "--param", "sleep=3")
    redraws = capsys.readouterr().err.count("\r")
    assert 1 <= redraws <= 3  # the first and the last, and at most one between
