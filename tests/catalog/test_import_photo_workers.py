"""Imports whose photos are processed by worker processes, stopped part way: no file is left that
no article records (but the replaced ones, retired)."""

import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings

from catalog.importer import images as image_import
from catalog.importer.image_files import ImageTask
from catalog.models import Article
from catalog.progress import SilentProgress
from tests.catalog.hm_data import run_import
from tests.catalog.photo_workers import interrupted_then_processed
from tests.catalog.test_import_images import _assert_each_article_shows_what_it_records, _changed_photos

pytestmark = pytest.mark.django_db


def test_a_photo_removed_after_the_import_listed_it_leaves_no_file_of_its_workers_share(
    hm_files, monkeypatch
):
    """The worker raised, and the photos it had stored before it in its share were returned to no
    one: the import only saw the error, and 8 photos stayed on disk, recorded by no row."""
    monkeypatch.setattr(image_import, "POOL_THRESHOLD", 1)
    run_import(hm_files)
    before = dict(Article.objects.values_list("article_id", "image_sha256"))
    photos = _changed_photos(hm_files)
    run = image_import._run
    # The second share's ninth photo: the worker has stored eight when it finds it gone.
    vanishing = photos[image_import.CHUNK + 8]

    def photo_removed_after_the_listing(tasks, *args):
        vanishing.unlink()
        return run(tasks, *args)

    monkeypatch.setattr(image_import, "_run", photo_removed_after_the_listing)

    with pytest.raises(FileNotFoundError):
        image_import.import_images(hm_files / "images", progress=SilentProgress(), workers=2)

    # The error stops the import before its first batch is recorded: the first share's photos go too.
    assert dict(Article.objects.values_list("article_id", "image_sha256")) == before
    _assert_each_article_shows_what_it_records()


def test_a_ctrl_c_that_reaches_the_workers_leaves_the_import_running(hm_files, monkeypatch):
    """A terminal sends Ctrl-C to every process of its group: workers it stopped dropped their
    share's results with their photos stored (the import itself stops, and removes those it was
    handed: test_photos_of_a_batch_interrupted_before_it_was_recorded_leave_no_files)."""
    monkeypatch.setattr(image_import, "POOL_THRESHOLD", 1)
    run_import(hm_files)
    photos = _changed_photos(hm_files)
    monkeypatch.setattr(image_import, "process_images", interrupted_then_processed)

    try:
        report = image_import.import_images(hm_files / "images", progress=SilentProgress(), workers=2)
    except KeyboardInterrupt:  # raised on, it would stop the test run
        pytest.fail("the Ctrl-C the workers received stopped the import from inside them")

    assert report.changed == len(photos)
    _assert_each_article_shows_what_it_records()


# Far longer than the import takes: a pool a dead worker left waiting is killed, to fail, not hang.
STUCK_POOL_SECONDS = 60


class _InterruptedAsTheyStart(ProcessPoolExecutor):
    """A pool whose workers get a terminal's Ctrl-C the moment they are started."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.watchdog = threading.Timer(STUCK_POOL_SECONDS, self.kill_workers)
        self.watchdog.start()

    def submit(self, *args, **kwargs):
        future = super().submit(*args, **kwargs)
        for process in list(self._processes.values()):
            os.kill(process.pid, signal.SIGINT)
        return future

    def kill_workers(self):
        for process in list(self._processes.values()):
            process.kill()

    def shutdown(self, *args, **kwargs):
        super().shutdown(*args, **kwargs)
        self.watchdog.cancel()


def test_a_ctrl_c_that_reaches_workers_still_starting_leaves_the_import_running(hm_files, monkeypatch):
    """A worker's initializer ignores Ctrl-C only once the worker has started: one signalled before
    died, and the broken pool killed the others as they wrote photos (orphans, temporary files)."""
    monkeypatch.setattr(image_import, "POOL_THRESHOLD", 1)
    run_import(hm_files)
    photos = _changed_photos(hm_files)
    monkeypatch.setattr(image_import, "ProcessPoolExecutor", _InterruptedAsTheyStart)

    report = image_import.import_images(hm_files / "images", progress=SilentProgress(), workers=2)

    assert report.changed == len(photos)
    _assert_each_article_shows_what_it_records()


def test_results_the_workers_produced_beyond_where_the_import_stopped_leave_no_files(hm_files, monkeypatch):
    """The photos of results never handed over are removed by the run itself when it is closed:
    its caller had to close it before reading them from an out-parameter, and once did not."""
    monkeypatch.setattr(image_import, "POOL_THRESHOLD", 1)
    media = Path(settings.MEDIA_ROOT)
    photos = sorted((hm_files / "images").rglob("*.jpg"))
    tasks = [ImageTask(str(path), int(path.stem), "", str(media)) for path in photos]
    assert len(tasks) > 2 * image_import.CHUNK  # more than one share, some not started

    with closing(image_import._run(tasks, 2)) as results:
        first = next(results)

    # The result handed over is its caller's to record or remove.
    assert first.stored
    stored = sorted(path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file())
    assert stored == sorted(first.files)


class _CtrlCWhileWaitingForTheFirstShare(ProcessPoolExecutor):
    """Ctrl-C reaches the import while it waits for the first share's results (where an import
    spends its time): the share is done, its photos stored, but never handed over."""

    def submit(self, *args, **kwargs):
        future = super().submit(*args, **kwargs)
        if not getattr(self, "interrupted", False):
            self.interrupted = True
            result = future.result

            def interrupted(timeout=None):
                result(timeout)
                future.result = result  # asked again, it answers
                raise KeyboardInterrupt

            future.result = interrupted
        return future


def test_a_ctrl_c_while_the_import_waits_for_a_share_leaves_none_of_its_photos(hm_files, monkeypatch):
    """The share's future was taken off the queue before its results came, so Ctrl-C there left
    its photos on disk, recorded by no row."""
    monkeypatch.setattr(image_import, "POOL_THRESHOLD", 1)
    monkeypatch.setattr(image_import, "ProcessPoolExecutor", _CtrlCWhileWaitingForTheFirstShare)
    media = Path(settings.MEDIA_ROOT)
    photos = sorted((hm_files / "images").rglob("*.jpg"))
    tasks = [ImageTask(str(path), int(path.stem), "", str(media)) for path in photos]

    with pytest.raises(KeyboardInterrupt), closing(image_import._run(tasks, 2)) as results:
        next(results)

    assert [path for path in media.rglob("*") if path.is_file()] == []
