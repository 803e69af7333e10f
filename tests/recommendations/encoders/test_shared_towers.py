"""Towers loaded before a fork (gunicorn's arbiter, gunicorn.conf.py) serve the forked process
exactly as towers it loads itself would, from memory it shares with its parent."""

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


@pytest.fixture(scope="module")
def forked(tmp_path_factory):
    output = tmp_path_factory.mktemp("forked") / "vectors.npz"
    subprocess.run(
        [sys.executable, "-m", "tests.recommendations.encoders.forked_towers", str(output)],
        cwd=REPO_ROOT,
        check=True,
        timeout=120,
    )
    with np.load(output) as saved:
        return {name: saved[name] for name in saved.files}


def test_a_forked_process_embeds_exactly_as_one_that_loaded_its_own_towers(forked):
    own = BundledEncoder()
    np.testing.assert_array_equal(forked["texts"], own.embed_texts(forked_towers.TEXTS))
    np.testing.assert_array_equal(forked["images"], own.embed_images(forked_towers.photos()))


def test_a_forked_process_keeps_the_towers_in_memory_it_shares(forked):
    private_mb = int(forked["private_kb"]) / 1024
    assert private_mb < MOST_PRIVATE_MB_AFTER_THE_FORK, (private_mb, int(forked["rss_kb"]) / 1024)
