"""The training admin: buttons, progress, cancel, rollback, schedule, and who may do what."""

import datetime as dt
import html
import re
import shutil

import kombu.exceptions
import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from recommendations import training
from recommendations.models import ModelVersion, TrainingRun, TrainingSchedule
from recommendations.training import training_run_execute_in_process, training_run_request
from tests.factories import StaffUserFactory, UserFactory
from tests.recommendations import dummy_kind

KIND = dummy_kind.KIND_NAME
pytestmark = [pytest.mark.usefixtures("dummy_kind_registered", "dispatched")]
RUNS = "/admin/recommendations/trainingrun/"
SCHEDULES = "/admin/recommendations/trainingschedule/"
VERSIONS = "/admin/recommendations/modelversion/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ops(db):
    return client_for(StaffUserFactory(username="olga_ops"))


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def train(**parameters):
    run = training_run_request(kind_name=KIND, parameters=parameters)
    training_run_execute_in_process(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.mark.django_db
def test_the_run_list_has_a_train_button_per_kind(ops):
    page = ops.get(RUNS).content.decode()
    assert "Train Trending now" in page
    assert "Train Test dummy" in page
    assert 'name="kind" value="trending"' in page
    assert "training_runs.js" in page


@pytest.mark.django_db
def test_runs_started_through_the_api_are_labelled_api_in_the_list_and_its_filter(ops):
    TrainingRun.objects.create(kind=KIND, trigger=TrainingRun.Trigger.API, status="succeeded")
    page = ops.get(RUNS).content.decode()
    # Django's label for "api" was "Api".
    assert '<a href="?trigger__exact=api">API</a>' in page
    assert '<td class="field-trigger">API</td>' in page
    assert ">Api<" not in page


@pytest.mark.django_db
def test_a_button_starts_a_run_and_a_second_click_is_refused_with_a_message(ops):
    response = ops.post(f"{RUNS}train/", {"kind": KIND}, follow=True)
    run = TrainingRun.objects.get()
    assert (run.kind, run.status, run.trigger, run.triggered_by.username) == (
        KIND,
        "queued",
        "admin",
        "olga_ops",
    )
    assert f"Started {KIND} run #{run.pk}." in texts(response)
    response = ops.post(f"{RUNS}train/", {"kind": KIND}, follow=True)
    assert response.status_code == 200
    assert any("already in progress" in text for text in texts(response))
    assert TrainingRun.objects.count() == 1
    assert "Train Test dummy (queued)" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_kind_is_an_error_message_not_a_500(ops):
    response = ops.post(f"{RUNS}train/", {"kind": "astrology"}, follow=True)
    assert response.status_code == 200
    assert any("Unknown model kind 'astrology'" in text for text in texts(response))


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_queue_is_reported_on_the_page(ops, monkeypatch):
    def refuse(run_id):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.undo()  # the real _enqueue this time, with a broker that refuses
    monkeypatch.setattr("workers.tasks.train_run.delay", refuse)
    response = ops.post(f"{RUNS}train/", {"kind": KIND}, follow=True)
    assert response.status_code == 200
    assert any(text.startswith("The task queue is unavailable") for text in texts(response))
    assert TrainingRun.objects.get().status == "failed"


@pytest.mark.django_db
def test_the_train_again_action_starts_the_selected_kinds(ops):
    old = TrainingRun.objects.create(kind=KIND, status="failed")
    ops.post(RUNS, {"action": "train_again", "_selected_action": [old.pk]}, follow=True)
    assert TrainingRun.objects.filter(kind=KIND, status="queued").count() == 1


@pytest.mark.django_db
def test_the_cancel_action_and_button_cancel_runs(ops):
    queued = TrainingRun.objects.create(kind=KIND)
    response = ops.post(RUNS, {"action": "cancel_runs", "_selected_action": [queued.pk]}, follow=True)
    assert f"Run #{queued.pk} was cancelled before it started." in texts(response)
    running = TrainingRun.objects.create(
        kind="trending", status="running", heartbeat_at=queued.created_at, steps_running=1
    )
    page = ops.get(f"{RUNS}{running.pk}/change/").content.decode()
    assert "Cancel this run" in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page  # nothing on it to save
    response = ops.post(f"{RUNS}{running.pk}/cancel/", follow=True)
    assert f"Run #{running.pk} will stop at its next check; nothing from it will be activated." in texts(
        response
    )
    running.refresh_from_db()
    assert (running.status, running.cancel_requested) == ("running", True)


@pytest.mark.django_db
def test_the_progress_view_reports_runs_as_json(ops):
    run = TrainingRun.objects.create(kind=KIND, status="running", progress=42.5, message="Sleeping")
    body = ops.get(f"{RUNS}progress/?ids={run.pk},junk").json()
    assert body == {
        "runs": [
            {"id": run.pk, "status": "running", "progress": 42.5, "message": "Sleeping", "duration": "—"}
        ]
    }


@pytest.mark.django_db
def test_a_watched_run_whose_worker_was_killed_turns_failed_on_its_page_and_in_the_polls(ops):
    silent_since = timezone.now() - dt.timedelta(seconds=61)
    watched = {"kind": KIND, "status": "running", "heartbeat_at": silent_since, "steps_running": 1}
    polled = TrainingRun.objects.create(**watched)
    body = ops.get(f"{RUNS}progress/?ids={polled.pk}").json()
    assert [(run["status"], run["message"]) for run in body["runs"]] == [("failed", "Worker lost")]

    opened = TrainingRun.objects.create(**watched)
    page = ops.get(f"{RUNS}{opened.pk}/change/").content.decode()
    assert "training-status-failed" in page
    assert "Worker lost" in page


@pytest.mark.django_db
def test_the_progress_view_skips_ids_that_are_no_whole_number(ops):
    run = TrainingRun.objects.create(kind=KIND, status="running", progress=42.5, message="Sleeping")
    response = ops.get(f"{RUNS}progress/", {"ids": f"²,١٢,{'9' * 30},-1,{run.pk}"})
    assert response.status_code == 200
    assert [entry["id"] for entry in response.json()["runs"]] == [run.pk]


@pytest.mark.django_db
def test_staff_see_on_the_list_and_the_page_that_no_worker_has_taken_a_queued_run(ops):
    queued_at = timezone.now() - dt.timedelta(minutes=3, seconds=5)
    run = TrainingRun.objects.create(kind=KIND, created_at=queued_at)
    note = (
        "Waiting for a worker for 3 min: behind another run, "
        "or no Celery worker is consuming the `training` queue."
    )
    assert note in html.unescape(ops.get(RUNS).content.decode())
    page = html.unescape(ops.get(f"{RUNS}{run.pk}/change/").content.decode())
    assert note in page
    assert "Cancel this run" in page
    assert note in {entry["message"] for entry in ops.get(f"{RUNS}progress/?ids={run.pk}").json()["runs"]}


@pytest.mark.django_db
def test_a_bar_says_on_the_page_what_the_polls_say_for_the_same_run(ops):
    queued_at = timezone.now() - dt.timedelta(minutes=3, seconds=5)
    run = TrainingRun.objects.create(kind=KIND, created_at=queued_at)
    (polled,) = [entry["message"] for entry in ops.get(f"{RUNS}progress/?ids={run.pk}").json()["runs"]]
    assert polled.startswith("Waiting for a worker for 3 min")
    bar = re.compile(rf'<div class="training-progress" data-run-id="{run.pk}"[^>]* title="([^"]*)"')
    for url in (RUNS, f"{RUNS}{run.pk}/change/"):
        (title,) = bar.findall(ops.get(url).content.decode())
        assert html.unescape(title) == polled, url


@pytest.mark.django_db(transaction=True)
def test_a_failed_run_shows_its_error_and_a_finished_one_its_metrics_and_version(ops):
    failed = train(fail="the data is on fire")
    page = ops.get(f"{RUNS}{failed.pk}/change/").content.decode()
    assert "RuntimeError: the data is on fire" in page
    assert "Traceback" in page
    good = train(value=5)
    page = ops.get(f"{RUNS}{good.pk}/change/").content.decode()
    assert "&quot;value&quot;: 5.0" in page
    assert "v1</a> (active)" in page
    listing = ops.get(RUNS).content.decode()
    assert f'data-run-id="{good.pk}" data-status="succeeded"' in listing
    assert "chunks_seen=0, value=5" in listing


@pytest.mark.django_db(transaction=True)
def test_staff_roll_back_to_an_older_version_after_confirming(ops):
    train(value=1)
    train(value=2)
    old = ModelVersion.objects.get(version=1)
    listing = ops.get(VERSIONS).content.decode()
    assert f"{VERSIONS}{old.pk}/activate/" in listing
    confirmation = ops.get(f"{VERSIONS}{old.pk}/activate/").content.decode()
    assert f"instead of <strong>{KIND} v2</strong>" in confirmation
    assert not ModelVersion.objects.get(pk=old.pk).is_active  # GET changes nothing
    response = ops.post(f"{VERSIONS}{old.pk}/activate/", follow=True)
    assert f"{KIND} v1 is now active; web processes switch to it within seconds." in texts(response)
    assert ModelVersion.objects.get(is_active=True) == old


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lost", ["pruned", "missing"])
def test_a_version_whose_files_are_gone_is_refused_before_staff_confirm(ops, artifacts_root, lost):
    train(value=1)
    train(value=2)
    old = ModelVersion.objects.get(version=1)
    if lost == "pruned":
        # As versions.model_versions_prune leaves it (the rollback button is hidden, the URL stays).
        ModelVersion.objects.filter(pk=old.pk).update(pruned_at=timezone.now())
        reason = "its files were removed on"
    else:
        shutil.rmtree(artifacts_root / old.path)
        reason = "missing"
    page = ops.get(f"{VERSIONS}{old.pk}/activate/").content.decode()
    assert f"{KIND} v1 cannot be activated: " in page
    assert reason in page
    assert 'value="Activate' not in page
    assert ModelVersion.objects.get(is_active=True).version == 2


@pytest.mark.django_db(transaction=True)
def test_a_corrupted_version_is_not_activated_and_the_page_says_why(ops, artifacts_root):
    train(value=1)
    train(value=2)
    old = ModelVersion.objects.get(version=1)
    (artifacts_root / old.path / "value.json").unlink()
    response = ops.post(VERSIONS, {"action": "activate_selected", "_selected_action": [old.pk]}, follow=True)
    assert any("was not activated" in text and "missing" in text for text in texts(response))
    assert ModelVersion.objects.get(is_active=True).version == 2


@pytest.mark.django_db
def test_staff_edit_the_schedule_of_every_kind(ops):
    page = ops.get("/admin/recommendations/trainingschedule/").content.decode()
    assert set(TrainingSchedule.objects.values_list("kind", flat=True)) >= {"trending", KIND}
    assert "trending" in page
    schedule = TrainingSchedule.objects.get(kind="trending")
    response = ops.post(
        f"/admin/recommendations/trainingschedule/{schedule.pk}/change/",
        {"enabled": "on", "hour": "22", "minute": "30", "parameters": '{"window_days": 14}'},
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.hour, schedule.minute, schedule.parameters) == (22, 30, {"window_days": 14})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ('{"window_days": -3}', "Parameter window_days must be at least 1, not -3."),
        ('{"no_such_param": "x"}', "Unknown parameter(s) for trending: no_such_param"),
        ("[1, 2]", "Parameters are a JSON object"),
    ],
)
def test_a_schedule_with_bad_parameters_is_refused_on_save(ops, parameters, message):
    schedule = TrainingSchedule.objects.get_or_create(kind="trending")[0]
    response = ops.post(
        f"/admin/recommendations/trainingschedule/{schedule.pk}/change/",
        {"enabled": "on", "hour": "22", "minute": "30", "parameters": parameters},
    )
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    schedule.refresh_from_db()
    assert schedule.parameters == {}


@pytest.mark.django_db
def test_a_schedule_with_null_parameters_runs_at_their_defaults(ops):
    # null for use_gpu was refused ("not None"); null for factors saved, then failed every night.
    schedule = TrainingSchedule.objects.get_or_create(kind="collaborative")[0]
    response = ops.post(
        f"{SCHEDULES}{schedule.pk}/change/",
        {"enabled": "on", "hour": "22", "minute": "30", "parameters": '{"use_gpu": null, "factors": null}'},
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    run = training_run_request(kind_name="collaborative", parameters=schedule.parameters)
    assert (run.parameters["use_gpu"], run.parameters["factors"]) == ("auto", 32)


def schedule_row(ops, kind):
    """The cells of a kind's row in the schedule list, as text."""
    page = ops.get(SCHEDULES).content.decode()
    row = next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if f">{kind}</" in row)
    cells = re.findall(r"<t[dh][^>]*>.*?</t[dh]>", row, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


@pytest.mark.django_db(transaction=True)
def test_the_schedule_says_when_each_kind_runs_next_and_never_claims_a_run_that_did_not_happen(ops):
    created = dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)
    training.training_schedule_tick(now=created)  # the rows are created, stamped as triggered
    schedule = TrainingSchedule.objects.get(kind="trending")
    assert schedule.next_run(created) == dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)
    assert schedule.next_run(created.replace(hour=2)) == dt.datetime(2026, 3, 9, 3, 0, tzinfo=dt.UTC)
    assert "never" in schedule_row(ops, "trending")

    slot = dt.datetime(2026, 3, 10, 3, 0, 30, tzinfo=dt.UTC)
    training.training_schedule_tick(now=slot)
    schedule.refresh_from_db()
    assert schedule.next_run(slot) == dt.datetime(2026, 3, 11, 3, 0, tzinfo=dt.UTC)
    assert "2026-03-10 03:00 UTC" in schedule_row(ops, "trending")

    TrainingSchedule.objects.filter(pk=schedule.pk).update(enabled=False)
    assert "off" in schedule_row(ops, "trending")


@pytest.mark.django_db
def test_a_schedule_time_out_of_range_is_refused_on_its_field_on_the_page_and_in_the_list(ops):
    schedule = TrainingSchedule.objects.get_or_create(kind="trending")[0]
    page = ops.post(
        f"/admin/recommendations/trainingschedule/{schedule.pk}/change/",
        {"enabled": "on", "hour": "24", "minute": "60", "parameters": "{}"},
    )
    form = page.context["adminform"].form
    assert form.errors == {
        "hour": ["The hour is 0-23 (UTC), not 24."],
        "minute": ["The minute is 0-59, not 60."],
    }

    rows = TrainingSchedule.objects.order_by("kind")
    listed = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for index, row in enumerate(rows):
        hour = 99 if row.pk == schedule.pk else row.hour
        listed |= {f"form-{index}-id": row.pk, f"form-{index}-hour": hour, f"form-{index}-minute": 0}
    response = ops.post("/admin/recommendations/trainingschedule/", listed)
    assert "The hour is 0-23 (UTC), not 99." in html.unescape(response.content.decode())
    schedule.refresh_from_db()
    assert (schedule.hour, schedule.minute) == (3, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", RUNS),
        ("post", f"{RUNS}train/"),
        ("get", f"{RUNS}progress/?ids=1"),
        ("post", f"{RUNS}1/cancel/"),
        ("get", VERSIONS),
        ("post", f"{VERSIONS}1/activate/"),
        ("get", "/admin/recommendations/trainingschedule/"),
    ],
)
def test_shoppers_get_nothing_but_the_login_page(method, url):
    TrainingRun.objects.create(pk=1, kind=KIND)
    shopper = client_for(UserFactory(username="sam_shopper"))
    for client in (shopper, Client()):
        response = getattr(client, method)(url, {"kind": KIND})
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert TrainingRun.objects.get(pk=1).status == "queued"
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db
def test_staff_without_training_permissions_cannot_start_or_cancel(db):
    intern = client_for(UserFactory(username="ivy_intern", is_staff=True))
    run = TrainingRun.objects.create(kind=KIND)
    assert intern.get(RUNS).status_code == 403
    assert intern.post(f"{RUNS}train/", {"kind": KIND}).status_code == 403
    assert intern.post(f"{RUNS}{run.pk}/cancel/").status_code == 403
    assert intern.get(f"{RUNS}progress/?ids={run.pk}").status_code == 403
    assert TrainingRun.objects.get().status == "queued"


@pytest.mark.django_db
def test_the_run_list_never_shows_a_run_whose_worker_is_gone_as_running(ops):
    gone = TrainingRun.objects.create(
        kind=KIND, status="running", heartbeat_at=timezone.now() - dt.timedelta(minutes=5), steps_running=1
    )
    ops.get(RUNS)
    gone.refresh_from_db()
    assert (gone.status, gone.message) == ("failed", "Worker lost")


@pytest.mark.django_db(transaction=True)
def test_a_broken_active_version_is_flagged_on_the_versions_pages(ops, artifacts_root):
    train(value=1)
    active = ModelVersion.objects.get(is_active=True)
    (artifacts_root / active.path / "value.json").unlink()
    response = ops.get(VERSIONS)
    assert any(
        text.startswith(f"{KIND} v1 is active but cannot be served:")
        and "missing (a partial artifact). Web processes" in text
        for text in texts(response)
    )
    assert 'alt="False"' in response.content.decode()  # its files column
    page = ops.get(f"{VERSIONS}{active.pk}/change/").content.decode()
    assert "listed in the manifest but missing" in page


@pytest.mark.django_db(transaction=True)
def test_a_flipped_byte_in_the_active_version_shows_on_its_page(ops, artifacts_root):
    train(value=1)
    active = ModelVersion.objects.get(is_active=True)
    assert "Complete and intact." in ops.get(f"{VERSIONS}{active.pk}/change/").content.decode()
    path = artifacts_root / active.path / "value.json"
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    page = ops.get(f"{VERSIONS}{active.pk}/change/").content.decode()
    assert "checksum mismatch (the file is corrupted)" in page


@pytest.mark.django_db(transaction=True)
def test_the_version_list_checks_each_versions_files_once(ops, monkeypatch):
    """The active version is both a row (its files column) and the subject of the warning above
    the list; each check reads its manifest and files from the artifact store."""
    from recommendations import versions

    train(value=1)
    train(value=2)
    checked = []
    check = versions.model_version_problem

    def counted(*, version, check_checksums=False):
        checked.append(version.pk)
        return check(version=version, check_checksums=check_checksums)

    monkeypatch.setattr(versions, "model_version_problem", counted)
    page = ops.get(VERSIONS).content.decode()
    assert sorted(checked) == sorted(ModelVersion.objects.values_list("pk", flat=True))
    assert page.count('<td class="field-files"><img src="/static/admin/img/icon-yes.svg" alt="True">') == 2


@pytest.mark.django_db(transaction=True)
def test_a_broken_active_version_is_flagged_when_the_list_leaves_it_out(ops, artifacts_root):
    train(value=1)
    train(value=2)
    active = ModelVersion.objects.get(is_active=True)
    (artifacts_root / active.path / "value.json").unlink()
    response = ops.get(VERSIONS, {"is_active__exact": "0"})
    assert [text for text in texts(response) if text.startswith(f"{KIND} v2 is active but cannot be served:")]
    assert '<td class="field-files"><img src="/static/admin/img/icon-yes.svg" alt="True">' in response.text


@pytest.mark.django_db
def test_cancelling_finished_runs_says_there_was_nothing_to_cancel(ops):
    done = TrainingRun.objects.create(kind=KIND, status="succeeded")
    queued = TrainingRun.objects.create(kind="trending")
    response = ops.post(RUNS, {"action": "cancel_runs", "_selected_action": [done.pk]}, follow=True)
    assert texts(response) == ["Not cancelled: 1 selected run had already finished."]
    response = ops.post(
        RUNS, {"action": "cancel_runs", "_selected_action": [done.pk, queued.pk]}, follow=True
    )
    assert f"Run #{queued.pk} was cancelled before it started." in texts(response)
    assert "Not cancelled: 1 selected run had already finished." in texts(response)


@pytest.mark.parametrize(
    "size_bytes, shown", [(4134, "4.0\xa0KB"), (150_000, "146.5\xa0KB"), (3_500_000, "3.3\xa0MB")]
)
def test_version_sizes_read_on_one_scale(size_bytes, shown):
    # "4134 bytes" was listed next to "0.1 MB".
    version_admin = admin.site.get_model_admin(ModelVersion)
    assert version_admin.size(ModelVersion(size_bytes=size_bytes)) == shown
