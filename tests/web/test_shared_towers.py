"""gunicorn's arbiter loads the content encoder's towers before it listens and forks its workers
(gunicorn.conf.py, on_starting), so a worker holds little of the content model as its own."""

import shutil
import signal
import time
from pathlib import Path

import pytest
from django.db import transaction

from benchmarks.load_server import memory_of
from recommendations.artifacts import get_store
from recommendations.registry import get_kind
from recommendations.serving import WARM_UP_FINISHED
from recommendations.versions import activate_in_transaction, model_version_create, next_version_number
from tests.live_processes import HttpSession, WebProcess, process_env

WARM_UP_SECONDS = 60
TOWERS_LOADING = "Loading the content encoder's towers for every worker"
TOWERS_LOADED = "Loaded the content encoder's towers for every worker"
# A worker's own (unshared) share of its resident memory once its content model is warm: 385 of
# 568 MB (68 %) measured here when each worker loaded torch and the towers itself, 66 of 471 MB
# (14 %) with the towers loaded in the arbiter.
MOST_PRIVATE_SHARE = 0.35


def activate_content_version(trained_content_files) -> int:
    store = get_store()
    workdir = store.new_workdir("content")
    shutil.copytree(trained_content_files.workdir, workdir, dirs_exist_ok=True)
    published = store.publish(
        workdir, kind=get_kind("content"), version=next_version_number(kind_name="content"), extra={}
    )
    with transaction.atomic():
        version = model_version_create(kind_name="content", run=None, published=published)
        activate_in_transaction(version=version)
    return version.pk


@pytest.fixture
def active_content_version(trained_content_files, transactional_db):
    activate_content_version(trained_content_files)


def wait_for_log(web, line: str, *, poke: str | None = None) -> None:
    """Until the web process logs `line`, asking for `poke` meanwhile (a page that looks for a new
    model version)."""
    deadline = time.monotonic() + WARM_UP_SECONDS
    while line not in web.log():
        assert time.monotonic() < deadline, web.log()
        if poke:
            HttpSession(web.base_url).get(poke)
        time.sleep(0.2)


def worker_pid(arbiter: int) -> int:
    children = Path(f"/proc/{arbiter}/task/{arbiter}/children").read_text().split()
    assert len(children) == 1, children  # tests start one worker
    return int(children[0])


@pytest.mark.usefixtures("active_content_version")
def test_its_worker_shares_the_content_towers_with_the_arbiter(start_web):
    web = start_web()
    wait_for_log(web, WARM_UP_FINISHED)
    assert TOWERS_LOADED in web.log()
    assert "Serving content version" in web.log()

    assert web.process is not None
    memory = memory_of(worker_pid(web.process.pid))
    assert memory["private"] < MOST_PRIVATE_SHARE * memory["rss"], memory


@pytest.mark.usefixtures("active_content_version")
def test_a_version_activated_after_the_fork_is_served_with_the_shared_towers(
    start_web, trained_content_files
):
    web = start_web()
    wait_for_log(web, WARM_UP_FINISHED)

    version_id = activate_content_version(trained_content_files)
    wait_for_log(web, f"Serving content version id {version_id}", poke="/search/?q=dress")

    assert HttpSession(web.base_url).get("/search/?q=red+dress").status == 200
    assert web.process is not None
    memory = memory_of(worker_pid(web.process.pid))
    assert memory["private"] < MOST_PRIVATE_SHARE * memory["rss"], memory


@pytest.mark.usefixtures("active_content_version")
def test_it_listens_only_once_the_towers_are_loaded(shared_artifacts_root, tmp_path):
    # Bound before the load, its socket would take connections that nobody answers for the 5-11 s
    # the towers take (and systemd would be told it is ready).
    web = WebProcess(process_env(shared_artifacts_root), tmp_path / "web.log")
    web.start()
    try:
        web.wait_until_serving()
        log = web.log()
        assert TOWERS_LOADED in log, log
        assert log.index(TOWERS_LOADED) < log.index("Listening at"), log
    finally:
        web.stop()


@pytest.mark.usefixtures("active_content_version")
def test_a_reload_asked_for_while_the_towers_load_waits_for_them(shared_artifacts_root, tmp_path):
    # gunicorn installs its signal handlers after on_starting: a HUP (systemctl reload) or a USR1
    # (logrotate) during the 5-11 s load ended the arbiter, silently (exit 129 for a HUP).
    web = WebProcess(process_env(shared_artifacts_root), tmp_path / "web.log")
    web.start()
    try:
        wait_for_log(web, TOWERS_LOADING)
        assert web.process is not None
        web.process.send_signal(signal.SIGHUP)
        web.wait_until_serving()
        assert web.alive, web.log()
    finally:
        web.stop()
