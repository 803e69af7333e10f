"""Towers loaded before a fork (gunicorn's arbiter, gunicorn.conf.py) serve the forked process
exactly as towers it loads itself would, from memory it shares with its parent."""

import contextlib
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from recommendations.encoders.bundled import BundledEncoder
from tests.live_processes import REPO_ROOT
from tests.recommendations.encoders import forked_towers

# The child's own memory after embedding, measured: 218 MB when it loaded the towers itself after
# the fork (importing torch and transformers, the weights), 31 MB when it inherited them (its
# forward passes' work).
MOST_PRIVATE_MB_AFTER_THE_FORK = 120
# Loading and forking took 10-20 s here; a child that hangs never finishes.
FORK_TIMEOUT_SECONDS = 120


def run_forked(output, **environment: str) -> dict:
    """Run forked_towers.py in a session of its own, so that a hung child is killed with its parent."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.recommendations.encoders.forked_towers", str(output)],
        cwd=REPO_ROOT,
        env={**os.environ, **environment},
        start_new_session=True,
    )
    try:
        status = process.wait(timeout=FORK_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"The forked child did not embed within {FORK_TIMEOUT_SECONDS} s: it hung.")
    assert status == 0, f"forked_towers.py exited with {status} (the child's traceback is above)."
    with np.load(output) as saved:
        return {name: saved[name] for name in saved.files}


@pytest.fixture(scope="module")
def forked(tmp_path_factory):
    return run_forked(tmp_path_factory.mktemp("forked") / "vectors.npz")


def test_a_forked_process_embeds_exactly_as_one_that_loaded_its_own_towers(forked):
    own = BundledEncoder()
    np.testing.assert_array_equal(forked["texts"], own.embed_texts(forked_towers.TEXTS))
    np.testing.assert_array_equal(forked["images"], own.embed_images(forked_towers.photos()))


def test_a_forked_process_keeps_the_towers_in_memory_it_shares(forked):
    assert forked["rss_mb"] > 0  # memory_of reads zeros where /proc cannot tell
    assert forked["private_mb"] < MOST_PRIVATE_MB_AFTER_THE_FORK, (forked["private_mb"], forked["rss_mb"])


def test_a_forked_process_embeds_in_its_main_thread_with_two_torch_threads(tmp_path):
    # gunicorn's sync worker serves requests in its main thread; libgomp's thread pool, once started
    # in the parent, is not there in the child, whose first parallel region then waits forever.
    forked = run_forked(tmp_path / "vectors.npz", TORCH_NUM_THREADS="2")
    assert forked["texts"].shape == (len(forked_towers.TEXTS), BundledEncoder().dimension)
