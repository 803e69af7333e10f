"""/api/v1/training-runs/ and /api/v1/model-versions/: staff only."""

import datetime as dt

import kombu.exceptions
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from recommendations.models import ModelVersion, TrainingRun
from recommendations.registry import all_kinds
from recommendations.training import training_run_execute_in_process, training_run_request
from tests.api_contract import openapi_schema
from tests.factories import StaffUserFactory, UserFactory
from tests.recommendations import dummy_kind

KIND = dummy_kind.KIND_NAME
pytestmark = [pytest.mark.usefixtures("dummy_kind_registered")]


@pytest.fixture
def staff_client(db):
    client = APIClient()
    client.force_authenticate(StaffUserFactory(username="olga_ops"))
    return client


@pytest.fixture
def shopper_client(db):
    client = APIClient()
    client.force_authenticate(UserFactory(username="sam_shopper"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/training-runs/"),
        ("post", "/api/v1/training-runs/"),
        ("get", "/api/v1/training-runs/1/"),
        ("post", "/api/v1/training-runs/1/cancel/"),
        ("get", "/api/v1/model-versions/"),
        ("post", "/api/v1/model-versions/1/activate/"),
        ("get", "/api/v1/model-versions/serving/?kind=trending"),
    ],
)
def test_shoppers_and_anonymous_visitors_get_nothing(shopper_client, method, url):
    TrainingRun.objects.create(pk=1, kind=KIND, status="failed", error="secret stack trace")
    assert getattr(shopper_client, method)(url, {"kind": KIND}, format="json").status_code == 403
    assert getattr(APIClient(), method)(url, {"kind": KIND}, format="json").status_code in (401, 403)
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "permission"),
    [
        ("get", "/api/v1/training-runs/", "view_trainingrun"),
        ("post", "/api/v1/training-runs/", "add_trainingrun"),
        ("get", "/api/v1/training-runs/1/", "view_trainingrun"),
        ("post", "/api/v1/training-runs/1/cancel/", "change_trainingrun"),
        ("get", "/api/v1/model-versions/", "view_modelversion"),
        ("post", "/api/v1/model-versions/1/activate/", "change_modelversion"),
        ("get", "/api/v1/model-versions/serving/?kind=trending", "view_modelversion"),
    ],
)
def test_staff_need_the_admins_permission_for_each_action(method, url, permission):
    """A catalogue clerk (staff, no training permissions) may not retrain or roll back models."""
    TrainingRun.objects.create(pk=1, kind=KIND, status="queued")
    ModelVersion.objects.create(pk=1, kind=KIND, version=1, path="x", format_version=1)
    clerk = UserFactory(username="carl_clerk", is_staff=True)
    # Every other recommendations permission, so that only the one asked for is missing.
    clerk.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="recommendations").exclude(codename=permission)
    )
    client = APIClient()
    client.force_authenticate(clerk)

    response = getattr(client, method)(url, {"kind": KIND}, format="json")

    assert response.status_code == 403
    assert f"recommendations.{permission}" in response.json()["detail"]
    assert TrainingRun.objects.get().status == "queued" and TrainingRun.objects.count() == 1
    assert ModelVersion.objects.get().activated_at is None


@pytest.mark.django_db
def test_staff_start_a_run_and_get_202_with_it(staff_client, dispatched, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/api/v1/training-runs/", {"kind": KIND, "parameters": {"value": 3}}, format="json"
        )
    assert response.status_code == 202
    body = response.json()
    run = TrainingRun.objects.get()
    assert dispatched == [run.pk]
    assert body["id"] == run.pk
    assert body["kind"] == KIND
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["parameters"]["value"] == 3
    assert body["metrics"] == {}
    assert body["triggered_by"] == "olga_ops"
    assert body["trigger"] == "api"
    for field in ("message", "started_at", "finished_at", "error", "model_version"):
        assert field in body


@pytest.mark.django_db
def test_an_unknown_kind_or_parameter_is_a_400_that_says_why(staff_client, dispatched):
    response = staff_client.post("/api/v1/training-runs/", {"kind": "astrology"}, format="json")
    assert response.status_code == 400
    assert "Unknown model kind 'astrology'" in response.json()["kind"][0]
    body = {"kind": KIND, "parameters": {"speed": 1}}
    response = staff_client.post("/api/v1/training-runs/", body, format="json")
    assert response.status_code == 400
    assert "Unknown parameter(s) for test-dummy: speed" in response.json()["parameters"][0]
    assert not TrainingRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"factors": True}, "Parameter factors must be a number, not True."),
        ({"factors": 64.5}, "Parameter factors must be a whole number, not 64.5."),
    ],
)
def test_a_parameter_of_the_wrong_type_is_a_400_not_a_run_trained_on_something_else(
    staff_client, dispatched, parameters, message
):
    body = {"kind": "collaborative", "parameters": parameters}
    response = staff_client.post("/api/v1/training-runs/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"parameters": [message]}
    assert not TrainingRun.objects.exists()


@pytest.mark.django_db
def test_a_null_parameter_is_a_run_at_its_default(staff_client, dispatched):
    # null for use_gpu was a 400 ("not None"); null for factors a run that failed at int(None).
    body = {"kind": "collaborative", "parameters": {"use_gpu": None, "factors": None}}
    response = staff_client.post("/api/v1/training-runs/", body, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["parameters"]["use_gpu"] == "auto"
    assert response.json()["parameters"]["factors"] == 32


@pytest.mark.django_db
def test_a_second_run_of_a_kind_in_progress_is_a_409(staff_client, dispatched):
    first = staff_client.post("/api/v1/training-runs/", {"kind": KIND}, format="json").json()
    response = staff_client.post("/api/v1/training-runs/", {"kind": KIND}, format="json")
    assert response.status_code == 409
    assert "already in progress" in response.json()["detail"]
    assert response.json()["run"]["id"] == first["id"]


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_queue_is_a_503_and_the_run_says_why(staff_client, monkeypatch):
    def refuse(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("workers.tasks.train_run.delay", refuse)
    response = staff_client.post("/api/v1/training-runs/", {"kind": KIND}, format="json")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("The task queue is unavailable")
    run = TrainingRun.objects.get()
    assert run.status == "failed"
    assert "Connection refused" in run.error
    # The failed attempt does not hold the lock.
    monkeypatch.undo()
    monkeypatch.setattr("recommendations.training._enqueue", lambda run_id: None)
    assert staff_client.post("/api/v1/training-runs/", {"kind": KIND}, format="json").status_code == 202


@pytest.mark.django_db
def test_runs_are_listed_newest_first_and_filtered(staff_client, dispatched, django_assert_max_num_queries):
    older = TrainingRun.objects.create(kind=KIND, status="failed")
    newer = TrainingRun.objects.create(kind="trending", status="succeeded", metrics={"articles_ranked": 5.0})
    # Session-less auth: permissions, the stale-run sweep, count and page; no query per run.
    with django_assert_max_num_queries(5):
        body = staff_client.get("/api/v1/training-runs/").json()
    assert [run["id"] for run in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0]["metrics"] == {"articles_ranked": 5.0}
    filtered = staff_client.get(f"/api/v1/training-runs/?kind={KIND}").json()["results"]
    assert [run["id"] for run in filtered] == [older.pk]


@pytest.mark.django_db(transaction=True)
def test_a_finished_run_shows_its_metrics_and_version(staff_client, dispatched):
    run = training_run_request(kind_name=KIND, parameters={"value": 8})
    training_run_execute_in_process(run_id=run.pk)
    body = staff_client.get(f"/api/v1/training-runs/{run.pk}/").json()
    assert body["status"] == "succeeded"
    assert body["metrics"] == {"value": 8.0, "chunks_seen": 0.0}
    assert body["model_version"] == {"id": ModelVersion.objects.get().pk, "version": 1, "is_active": True}
    assert body["duration_seconds"] >= 0


def worker_killed_mid_run():
    """A run its (only) worker took and then died in: no heartbeat since, no worker left to sweep."""
    silent_since = timezone.now() - dt.timedelta(seconds=61)
    return TrainingRun.objects.create(
        kind=KIND, status="running", started_at=silent_since, heartbeat_at=silent_since, steps_running=1
    )


@pytest.mark.django_db
def test_a_run_whose_worker_was_killed_reads_as_failed_not_running(staff_client):
    run = worker_killed_mid_run()
    body = staff_client.get(f"/api/v1/training-runs/{run.pk}/").json()
    assert (body["status"], body["message"]) == ("failed", "Worker lost")
    assert "the previous version keeps serving" in body["error"]
    listed = staff_client.get("/api/v1/training-runs/?status=running").json()
    assert listed["count"] == 0


@pytest.mark.django_db
def test_staff_cancel_a_queued_run(staff_client, dispatched):
    run = TrainingRun.objects.create(kind=KIND)
    response = staff_client.post(f"/api/v1/training-runs/{run.pk}/cancel/")
    assert response.status_code == 202
    assert response.json()["run"]["status"] == "cancelled"
    again = staff_client.post(f"/api/v1/training-runs/{run.pk}/cancel/")
    assert again.status_code == 409
    # It read "Run #1 has already cancelled", as if the run had cancelled something.
    expected = f"Run #{run.pk} has already ended (cancelled); there is nothing to cancel."
    assert again.json()["detail"] == expected


@pytest.mark.django_db
def test_a_running_run_asked_to_cancel_reads_cancelling_whatever_its_step_wrote_since(staff_client):
    # The admin said "Cancelling" and the API the chunk's "1 of 2 chunks done".
    run = TrainingRun.objects.create(
        kind=KIND, status="running", cancel_requested=True, message="1 of 2 chunks done"
    )
    assert staff_client.get(f"/api/v1/training-runs/{run.pk}/").json()["message"] == "Cancelling"


@pytest.mark.django_db
def test_staff_see_that_no_worker_has_taken_a_queued_run(staff_client):
    run = TrainingRun.objects.create(kind=KIND, created_at=timezone.now() - dt.timedelta(minutes=4))
    body = staff_client.get(f"/api/v1/training-runs/{run.pk}/").json()
    assert body["waiting_note"].startswith("Waiting for a worker for 4 min: behind another run, or no")
    started = TrainingRun.objects.create(kind="trending", status="running")
    assert staff_client.get(f"/api/v1/training-runs/{started.pk}/").json()["waiting_note"] == ""


@pytest.mark.django_db(transaction=True)
def test_staff_roll_back_through_the_api_and_see_what_is_served(staff_client, dispatched):
    for value in (1, 2):
        run = training_run_request(kind_name=KIND, parameters={"value": value})
        training_run_execute_in_process(run_id=run.pk)
    first = ModelVersion.objects.get(version=1)
    listed = staff_client.get(f"/api/v1/model-versions/?kind={KIND}").json()["results"]
    assert [(version["version"], version["is_active"]) for version in listed] == [(2, True), (1, False)]
    response = staff_client.post(f"/api/v1/model-versions/{first.pk}/activate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    serving = staff_client.get(f"/api/v1/model-versions/serving/?kind={KIND}").json()
    assert serving == {
        "kind": KIND,
        "active_version_id": first.pk,
        "loaded_version_id": first.pk,
        "loaded": True,
        "loading": False,
    }


@pytest.mark.django_db
def test_the_schema_documents_the_training_endpoints(staff_client):
    schema = staff_client.get("/api/schema/?format=json").json()
    assert "/api/v1/training-runs/" in schema["paths"]
    assert "202" in schema["paths"]["/api/v1/training-runs/"]["post"]["responses"]
    # The lists answer one page at a time, and the schema says so.
    for path in ("/api/v1/training-runs/", "/api/v1/model-versions/"):
        listing = schema["paths"][path]["get"]
        assert "page" in [parameter["name"] for parameter in listing["parameters"]]
        page = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        assert set(schema["components"]["schemas"][page]["properties"]) == {
            "count",
            "next",
            "previous",
            "results",
        }


@pytest.mark.django_db
def test_options_describes_a_staff_endpoint_to_staff_only(staff_client, shopper_client):
    for url in ("/api/v1/training-runs/1/cancel/", "/api/v1/model-versions/1/activate/"):
        assert staff_client.options(url).status_code == 200, url
        assert shopper_client.options(url).status_code == 403, url


def test_the_schema_lists_every_registered_kind_wherever_a_kind_is_asked_for():
    """A kind registered after start-up (the dummy one here) is listed too: read when the schema
    is built, not when the views were imported."""
    schema = openapi_schema()
    kinds = sorted(kind.name for kind in all_kinds())
    assert KIND in kinds
    body = schema["components"]["schemas"]["TrainingRunRequest"]["properties"]["kind"]
    enum_name = body["allOf"][0]["$ref"].split("/")[-1]
    assert schema["components"]["schemas"][enum_name]["enum"] == kinds
    for path in ["/api/v1/training-runs/", "/api/v1/model-versions/", "/api/v1/model-versions/serving/"]:
        (kind,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "kind"]
        assert kind["schema"]["enum"] == kinds, path
