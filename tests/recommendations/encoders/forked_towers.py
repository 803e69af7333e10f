"""Run as a script by test_shared_towers.py: loads the bundled encoder's towers as gunicorn's arbiter
does before it forks (gunicorn.conf.py, on_starting), forks, and has the child embed a fixed text
and photo in its main thread with the towers it inherited. Writes the child's vectors and memory to
the .npz file it is given; exits 1 with the child's traceback when the child failed."""

from __future__ import annotations

import gc
import os
import sys
import traceback

import numpy as np

from benchmarks.load_server import memory_of
from recommendations.encoders.bundled import BundledEncoder
from tests.recommendations.photos import garment_photo

TEXTS = ["red striped dress", "black leather boots"]


def photos() -> list:
    return [garment_photo(1, "Red"), garment_photo(3, "Blue", striped=True)]


def child_embeds(encoder: BundledEncoder, output: str) -> None:
    texts, images = encoder.embed_texts(TEXTS), encoder.embed_images(photos())
    memory = memory_of(os.getpid())
    np.savez(output, texts=texts, images=images, rss_mb=memory["rss"], private_mb=memory["private"])


def main(output: str) -> int:
    encoder = BundledEncoder()
    encoder.load_towers_before_fork()
    gc.freeze()
    child = os.fork()
    if child == 0:
        status = 0
        try:
            child_embeds(encoder, output)
        except BaseException:
            traceback.print_exc()
            status = 1
        finally:
            # Not sys.exit: the child must not run the parent's atexit handlers or flush its buffers.
            sys.stderr.flush()
            os._exit(status)
    _, wait_status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(wait_status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
