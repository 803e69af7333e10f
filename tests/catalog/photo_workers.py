"""What tests hand an import's worker processes in place of image_files.process_images.

Its own module, without Django: a spawned worker imports it by name, as it imports image_files.
"""

import signal

from catalog.importer.image_files import ImageResult, ImageTask, process_images


def interrupted_then_processed(tasks: list[ImageTask]) -> list[ImageResult]:
    """A worker's share, after a Ctrl-C reached the worker (a terminal sends it to the whole group)."""
    signal.raise_signal(signal.SIGINT)
    return process_images(tasks)
