"""Run as a script by test_shared_towers.py: loads the bundled encoder's towers, forks as gunicorn's
arbiter does (gunicorn.conf.py, when_ready), and has the child embed a fixed text and photo with
the towers it inherited. Writes the child's vectors and memory to the .npz file it is given."""

from __future__ import annotations

import gc
import os
import sys

import numpy as np

from recommendations.encoders.bundled import BundledEncoder
from tests.recommendations.photos import garment_photo

TEXTS = ["red striped dress", "black leather boots"]


def photos() -> list:
    return [garment_photo(1, "Red"), garment_photo(3, "Blue", striped=True)]


def memory_kb() -> dict[str, int]:
    """This process's resident and private (unshared) memory, from /proc/self/smaps_rollup."""
    fields = {}
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            name, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                fields[name] = int(value.split()[0])
    return {"rss_kb": fields["Rss"], "private_kb": fields["Private_Clean"] + fields["Private_Dirty"]}


def main(output: str) -> None:
    encoder = BundledEncoder()
    encoder.load_towers()
    gc.freeze()
    child = os.fork()
    if child == 0:
        try:
            texts, images = encoder.embed_texts(TEXTS), encoder.embed_images(photos())
            memory = memory_kb()
            np.savez(
                output, texts=texts, images=images, rss_kb=memory["rss_kb"], private_kb=memory["private_kb"]
            )
        finally:
            os._exit(0)
    os.waitpid(child, 0)


if __name__ == "__main__":
    main(sys.argv[1])
