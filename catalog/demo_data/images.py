"""Demo product photos: real Fashion-MNIST garments, coloured and patterned like their article.

Each product uses one Fashion-MNIST photo in its type's own look (colour variants share the shape);
each article paints it in its colour group and draws its graphical appearance (stripes, checks,
dots, ...) over the garment. Without the `dataset-fashion-mnist` package the shapes are drawn
instead, so the demo still has pictures.
"""

from __future__ import annotations

import gzip
import io
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from catalog.demo_data import hierarchy, vocab
from catalog.demo_data.articles import Catalogue

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
SOURCE_SIZE = 28
IMAGE_SIZE = 224  # 8x the 28px source, the input size of common image encoders
BACKGROUND = np.array([242, 241, 238], dtype=np.float32) / 255
JPEG_QUALITY = 88
# Below this many images a process pool costs more than it saves.
POOL_THRESHOLD = 400
JOB_BATCH = 2_048


class FashionMnistPhotos:
    """The Fashion-MNIST training photos, grouped by class and split into one look per product type.

    Several product types share a Fashion-MNIST class (T-shirt, Vest top and Top are all class 0).
    Drawing their photos from the whole class at random would make the types impossible to tell
    apart by eye, unlike a real catalogue; so each class is split by k-means on the pixels into as
    many clusters as types share it, and each type draws from its own cluster.
    """

    def __init__(self, by_class: list[np.ndarray]) -> None:
        self.by_class = by_class
        self._by_type: dict[int, np.ndarray] = {}
        # Each type's photos as Fashion-MNIST has them, before reshape_for_slot.
        self.sources: dict[int, np.ndarray] = {}

    @classmethod
    def load(cls, directory: Path = FASHION_MNIST_DIR) -> FashionMnistPhotos | None:
        images_path = directory / "train-images-idx3-ubyte.gz"
        labels_path = directory / "train-labels-idx1-ubyte.gz"
        if not images_path.exists() or not labels_path.exists():
            return None
        # idx format: a 16-byte header (magic, count, rows, cols) for images, 8 bytes for labels.
        with gzip.open(images_path) as handle:
            pixels = np.frombuffer(handle.read(), dtype=np.uint8, offset=16).reshape(
                -1, SOURCE_SIZE, SOURCE_SIZE
            )
        with gzip.open(labels_path) as handle:
            labels = np.frombuffer(handle.read(), dtype=np.uint8, offset=8)
        return cls([pixels[labels == label] for label in range(len(hierarchy.PHOTO_CLASSES))])

    def photo(self, photo_class: int, pick: float) -> np.ndarray:
        photos = self.by_class[photo_class]
        return photos[min(int(pick * len(photos)), len(photos) - 1)]

    def photo_for_type(self, product_type: int, pick: float) -> np.ndarray:
        """A photo in `product_type`'s own look (an index into hierarchy.PRODUCT_TYPES)."""
        photos = self.pool(product_type)
        return photos[min(int(pick * len(photos)), len(photos) - 1)]

    def pool(self, product_type: int) -> np.ndarray:
        """Every photo `product_type` draws from, reshaped to its look."""
        if product_type not in self._by_type:
            self._split_class(hierarchy.PRODUCT_TYPES[product_type].photo_class)
        return self._by_type[product_type]

    def _split_class(self, photo_class: int) -> None:
        sharing = [i for i, t in enumerate(hierarchy.PRODUCT_TYPES) if t.photo_class == photo_class]
        photos = self.by_class[photo_class]
        labels, typical = _kmeans_labels(photos, len(sharing))
        # Clusters ordered by how much of the frame the garment fills, so the split is stable.
        ink = [photos[labels == cluster].mean() for cluster in range(len(sharing))]
        for slot, (product_type, cluster) in enumerate(zip(sharing, np.argsort(ink), strict=True)):
            self.sources[product_type] = photos[(labels == cluster) & typical]
            self._by_type[product_type] = np.stack(
                [reshape_for_slot(photo, slot) for photo in self.sources[product_type]]
            )


# The second and third type of a class are cut narrower or shorter (a vest top beside a T-shirt,
# a crop top beside a top), so the silhouette tells them apart even under busy patterns.
SLOT_SCALES = ((1.0, 1.0), (0.75, 1.0), (1.0, 0.72))


def reshape_for_slot(photo: np.ndarray, slot: int) -> np.ndarray:
    width_scale, height_scale = SLOT_SCALES[slot % len(SLOT_SCALES)]
    if (width_scale, height_scale) == (1.0, 1.0):
        return photo
    width = round(SOURCE_SIZE * width_scale)
    height = round(SOURCE_SIZE * height_scale)
    resized = np.asarray(Image.fromarray(photo).resize((width, height), Image.Resampling.BILINEAR))
    canvas = np.zeros_like(photo)
    left = (SOURCE_SIZE - width) // 2
    canvas[:height, left : left + width] = resized
    return canvas


# k-means on 14x14 thumbnails: enough to separate sleeve lengths and silhouettes, and quick
# (a class is 6,000 photos); a fixed seed keeps the demo deterministic.
KMEANS_ITERATIONS = 15
KMEANS_SEED = 7


def _kmeans_labels(photos: np.ndarray, clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """Cluster labels, and which photos are typical of their cluster (the clearer half)."""
    if clusters == 1:
        return np.zeros(len(photos), dtype=np.int64), np.ones(len(photos), dtype=bool)
    points = photos.reshape(len(photos), SOURCE_SIZE // 2, 2, SOURCE_SIZE // 2, 2).mean(axis=(2, 4))
    points = points.reshape(len(photos), -1).astype(np.float32) / 255
    rng = np.random.default_rng(KMEANS_SEED)
    centres = points[rng.choice(len(points), clusters, replace=False)]
    distances = np.zeros((len(points), clusters), dtype=np.float32)
    for _ in range(KMEANS_ITERATIONS):
        distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = distances.argmin(axis=1)
        for cluster in range(clusters):
            members = points[labels == cluster]
            if len(members):
                centres[cluster] = members.mean(axis=0)
    labels = distances.argmin(axis=1)
    # Photos on the border between two looks would blur the types again: keep, per cluster, the
    # half that is most clearly closer to its own centre than to any other.
    ranked = np.sort(distances, axis=1)
    clarity = ranked[:, 0] / np.maximum(ranked[:, 1], 1e-9)
    typical = np.zeros(len(points), dtype=bool)
    for cluster in range(clusters):
        members = labels == cluster
        typical[members] = clarity[members] <= np.median(clarity[members])
    return labels, typical


# Silhouettes in unit coordinates (x, y) for the drawn fallback, one per Fashion-MNIST class.
_SILHOUETTES = {
    hierarchy.TSHIRT: [
        (0.3, 0.12),
        (0.42, 0.1),
        (0.5, 0.16),
        (0.58, 0.1),
        (0.7, 0.12),
        (0.92, 0.3),
        (0.82, 0.42),
        (0.74, 0.34),
        (0.74, 0.9),
        (0.26, 0.9),
        (0.26, 0.34),
        (0.18, 0.42),
        (0.08, 0.3),
    ],
    hierarchy.TROUSER: [
        (0.3, 0.08),
        (0.7, 0.08),
        (0.76, 0.92),
        (0.56, 0.92),
        (0.5, 0.35),
        (0.44, 0.92),
        (0.24, 0.92),
    ],
    hierarchy.PULLOVER: [
        (0.3, 0.12),
        (0.42, 0.1),
        (0.5, 0.15),
        (0.58, 0.1),
        (0.7, 0.12),
        (0.9, 0.4),
        (0.94, 0.86),
        (0.8, 0.88),
        (0.74, 0.46),
        (0.74, 0.9),
        (0.26, 0.9),
        (0.26, 0.46),
        (0.2, 0.88),
        (0.06, 0.86),
        (0.1, 0.4),
    ],
    hierarchy.DRESS: [
        (0.38, 0.08),
        (0.62, 0.08),
        (0.64, 0.3),
        (0.58, 0.42),
        (0.8, 0.92),
        (0.2, 0.92),
        (0.42, 0.42),
        (0.36, 0.3),
    ],
    hierarchy.COAT: [
        (0.28, 0.08),
        (0.5, 0.14),
        (0.72, 0.08),
        (0.9, 0.36),
        (0.94, 0.88),
        (0.8, 0.9),
        (0.76, 0.5),
        (0.78, 0.96),
        (0.22, 0.96),
        (0.24, 0.5),
        (0.2, 0.9),
        (0.06, 0.88),
        (0.1, 0.36),
    ],
    hierarchy.SANDAL: [
        (0.06, 0.6),
        (0.3, 0.46),
        (0.4, 0.6),
        (0.6, 0.44),
        (0.7, 0.6),
        (0.94, 0.6),
        (0.94, 0.72),
        (0.06, 0.72),
    ],
    hierarchy.SHIRT: [
        (0.3, 0.1),
        (0.44, 0.14),
        (0.5, 0.24),
        (0.56, 0.14),
        (0.7, 0.1),
        (0.88, 0.4),
        (0.9, 0.86),
        (0.78, 0.88),
        (0.74, 0.46),
        (0.74, 0.92),
        (0.26, 0.92),
        (0.26, 0.46),
        (0.22, 0.88),
        (0.1, 0.86),
        (0.12, 0.4),
    ],
    hierarchy.SNEAKER: [
        (0.06, 0.5),
        (0.4, 0.42),
        (0.6, 0.3),
        (0.8, 0.32),
        (0.94, 0.5),
        (0.94, 0.7),
        (0.06, 0.7),
    ],
    hierarchy.BAG: [(0.15, 0.35), (0.85, 0.35), (0.9, 0.88), (0.1, 0.88)],
    hierarchy.ANKLE_BOOT: [
        (0.3, 0.1),
        (0.6, 0.1),
        (0.62, 0.55),
        (0.94, 0.7),
        (0.94, 0.86),
        (0.1, 0.86),
        (0.12, 0.6),
        (0.3, 0.55),
    ],
}


class DrawnGarments:
    """Stand-in photos when Fashion-MNIST is not installed: shaded silhouettes, slightly varied."""

    def photo_for_type(self, product_type: int, pick: float) -> np.ndarray:
        # Types sharing a silhouette differ in width, so each still has a look of its own.
        photo_class = hierarchy.PRODUCT_TYPES[product_type].photo_class
        sharing = [i for i, t in enumerate(hierarchy.PRODUCT_TYPES) if t.photo_class == photo_class]
        slot = sharing.index(product_type)
        return reshape_for_slot(self.photo(photo_class, pick, slot=slot), slot)

    def photo(self, photo_class: int, pick: float, slot: int = 0) -> np.ndarray:
        scale = 8
        size = SOURCE_SIZE * scale
        canvas = Image.new("L", (size, size), 0)
        draw = ImageDraw.Draw(canvas)
        stretch = 0.75 + 0.2 * slot + 0.1 * pick
        points = [(size * (0.5 + (x - 0.5) * stretch), size * y) for x, y in _SILHOUETTES[photo_class]]
        draw.polygon(points, fill=200)
        if photo_class == hierarchy.BAG:
            draw.arc((size * 0.3, size * 0.12, size * 0.7, size * 0.55), 180, 360, fill=200, width=scale * 2)
        gradient = np.linspace(1.1, 0.75, size, dtype=np.float32)[:, None]
        shaded = np.asarray(canvas.filter(ImageFilter.GaussianBlur(scale)), dtype=np.float32) * gradient
        small = Image.fromarray(np.clip(shaded, 0, 255).astype(np.uint8)).resize((SOURCE_SIZE, SOURCE_SIZE))
        return np.asarray(small)


PhotoSource = FashionMnistPhotos | DrawnGarments


@dataclass(frozen=True)
class ImageJob:
    path: Path
    photo: np.ndarray  # 28x28 grey garment on black
    rgb: tuple[int, int, int]
    pattern: str
    seed: int


def article_image_path(images_dir: Path, article_id: int) -> Path:
    name = f"{article_id:010d}"
    return images_dir / name[:3] / f"{name}.jpg"


def write_images(
    images_dir: Path,
    catalogue: Catalogue,
    source: PhotoSource,
    seed: int,
    on_progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> int:
    jobs = _jobs(images_dir, catalogue, source, seed)
    for folder in sorted({f"{article_id:010d}"[:3] for article_id in catalogue.article_id.tolist()}):
        (images_dir / folder).mkdir(parents=True, exist_ok=True)
    workers = workers or min(os.cpu_count() or 1, 4)
    if catalogue.size < POOL_THRESHOLD or workers == 1:
        for job in jobs:
            render_to_file(job)
            if on_progress:
                on_progress(1)
        return catalogue.size
    # spawn: the workers need nothing of this process (forking one with threads running is unsafe).
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        # map() queues everything it is given: feed it a batch at a time so memory stays flat.
        while batch := list(itertools.islice(jobs, JOB_BATCH)):
            for _ in pool.map(render_to_file, batch, chunksize=64):
                if on_progress:
                    on_progress(1)
    return catalogue.size


def _jobs(images_dir: Path, catalogue: Catalogue, source: PhotoSource, seed: int) -> Iterator[ImageJob]:
    for position in range(catalogue.size):
        product = catalogue.product[position]
        colour = vocab.COLOURS[catalogue.colour[position]]
        product_type = int(catalogue.product_type[position])
        yield ImageJob(
            path=article_image_path(images_dir, int(catalogue.article_id[position])),
            photo=source.photo_for_type(product_type, float(catalogue.photo_pick[product])),
            rgb=colour.rgb,
            pattern=vocab.APPEARANCES[catalogue.appearance[position]].pattern,
            seed=seed * 1_000_003 + position,
        )


def render_to_file(job: ImageJob) -> None:
    job.path.write_bytes(render(job))


def render(job: ImageJob) -> bytes:
    rng = np.random.default_rng(job.seed)
    grey = (
        np.asarray(
            Image.fromarray(job.photo).resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BICUBIC),
            dtype=np.float32,
        )
        / 255
    )
    alpha = np.clip((grey - 0.04) / 0.12, 0.0, 1.0)
    inside = alpha > 0.5
    # Fashion-MNIST brightness is the garment's lighting: keep it as shading around the colour.
    mean = float(grey[inside].mean()) if inside.any() else 0.5
    shade = np.clip(1.0 + 0.9 * (grey - mean), 0.55, 1.35)
    base = np.array(job.rgb, dtype=np.float32) / 255
    second = _contrast_colour(base, rng)
    overlay, texture = _pattern(job.pattern, rng)
    garment = (base * (1 - overlay[..., None]) + second * overlay[..., None]) * (shade * texture)[..., None]
    pixels = BACKGROUND * (1 - alpha[..., None]) + np.clip(garment, 0, 1) * alpha[..., None]
    buffer = io.BytesIO()
    Image.fromarray((pixels * 255).round().astype(np.uint8), "RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _contrast_colour(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    luminance = float(base @ np.array([0.299, 0.587, 0.114], dtype=np.float32))
    if luminance > 0.6:
        options = [(30, 42, 84), (28, 28, 31), (196, 32, 46)]
    else:
        options = [(246, 246, 243), (226, 212, 186), (242, 212, 62)]
    return np.array(options[int(rng.integers(len(options)))], dtype=np.float32) / 255


def _pattern(pattern: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(share of the second colour, brightness texture) per pixel for a graphical appearance."""
    size = IMAGE_SIZE
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    none = np.zeros((size, size), dtype=np.float32)
    flat = np.ones((size, size), dtype=np.float32)
    if pattern == "stripe":
        width = float(rng.integers(6, 14))
        return ((y // width) % 2 == 0).astype(np.float32), flat
    if pattern == "check":
        width = float(rng.integers(10, 20))
        return 0.45 * (((x // width) % 2) + ((y // width) % 2)), flat
    if pattern == "dot":
        step = float(rng.integers(14, 22))
        shifted = x + (step / 2) * ((y // step) % 2)
        distance = (shifted % step - step / 2) ** 2 + (y % step - step / 2) ** 2
        return (distance < (step / 4.5) ** 2).astype(np.float32), flat
    if pattern == "allover":
        blobs = Image.fromarray((rng.random((14, 14)) * 255).astype(np.uint8)).resize(
            (size, size), Image.Resampling.BICUBIC
        )
        return (np.asarray(blobs, dtype=np.float32) / 255 > 0.68).astype(np.float32), flat
    if pattern == "melange":
        return none, 1.0 + 0.16 * rng.standard_normal((size, size)).astype(np.float32)
    if pattern == "denim":
        twill = np.where((x + y) % 6 < 3, 1.08, 0.92).astype(np.float32)
        fade = 1.0 + 0.18 * np.exp(-(((x - size / 2) / (size / 5)) ** 2 + ((y - size / 2) / (size / 3)) ** 2))
        return none, twill * fade * (1.0 + 0.05 * rng.standard_normal((size, size)).astype(np.float32))
    if pattern == "front_print":
        radius = size * float(rng.uniform(0.09, 0.15))
        circle = (x - size / 2) ** 2 + (y - size * 0.42) ** 2 < radius**2
        return circle.astype(np.float32), flat
    if pattern == "blocking":
        return (y > size * float(rng.uniform(0.45, 0.6))).astype(np.float32), flat
    return none, flat
