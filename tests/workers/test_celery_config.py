"""The Celery configuration: what each setting promises, checked so that it keeps promising it."""

from kombu import Queue

from workers.celery import app


def test_each_queue_has_its_own_routing_key():
    queues: tuple[Queue, ...] = app.conf.task_queues
    assert {(queue.name, queue.routing_key) for queue in queues} == {
        ("training", "training"),
        ("chunks", "chunks"),
        ("housekeeping", "housekeeping"),
    }


def test_tasks_are_routed_to_their_queues_and_exist():
    app.loader.import_default_modules()
    for task_name, route in app.conf.task_routes.items():
        assert task_name in app.tasks, task_name
        assert route["queue"] in {"training", "chunks"}
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_long_idempotent_jobs_are_acknowledged_late_one_at_a_time():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    train_run = app.tasks["workers.tasks.train_run"]
    assert train_run.soft_time_limit < train_run.time_limit
    # Redis must not redeliver a message that is still being worked on.
    assert app.conf.broker_transport_options["visibility_timeout"] > train_run.time_limit


def test_only_chunk_tasks_keep_results_for_the_chord():
    assert app.conf.task_ignore_result is True
    assert app.tasks["workers.tasks.run_chunk"].ignore_result is False


def test_beat_removes_retired_photos_hourly_on_the_housekeeping_queue():
    app.loader.import_default_modules()
    (entry,) = [
        entry for entry in app.conf.beat_schedule.values() if entry["task"].endswith("remove_retired_photos")
    ]
    assert entry["schedule"] == 3600
    # Not routed to the training or chunks queues: the default, housekeeping.
    assert entry["task"] not in app.conf.task_routes
    assert app.conf.task_default_queue == "housekeeping"
