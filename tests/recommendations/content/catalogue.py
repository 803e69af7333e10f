"""A small photo catalogue in the database for content tests, and a stand-in training context."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings

from catalog.models import Article
from recommendations.content.models import ImageEmbedding
from recommendations.content.parameters import DEFAULT_PARAMETERS
from tests.factories import ArticleFactory
from tests.recommendations.photos import CLASS_NAMES, garment_photo

if TYPE_CHECKING:
    from recommendations.registry import TrainingContext

CLASSES = (0, 1, 3, 5, 7, 8)
COLOURS = ("Red", "Blue", "Black", "Yellow")
INDEX_GROUPS = ("Ladieswear", "Menswear")


def write_photo(image, name: str) -> tuple[str, str]:
    """Save a JPEG under MEDIA_ROOT; returns (relative path, sha256)."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    data = buffer.getvalue()
    relative = f"images/test/{name}.jpg"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative, hashlib.sha256(data).hexdigest()


def make_photo_catalogue(variants: int = 2) -> list:
    """classes x colours x variants articles (stripes on odd variants), one product per class+variant."""
    articles = []
    for class_index in CLASSES:
        for variant in range(variants):
            product_code = 500000 + class_index * 100 + variant
            for colour_number, colour in enumerate(COLOURS):
                striped = variant % 2 == 1
                image = garment_photo(
                    class_index, colour, striped=striped, variant=variant * 4 + colour_number
                )
                article_id = product_code * 1000 + colour_number
                path, sha = write_photo(image, str(article_id))
                articles.append(
                    ArticleFactory(
                        article_id=article_id,
                        product_code=product_code,
                        prod_name=f"Style {product_code}",
                        product_type_name=CLASS_NAMES[class_index],
                        colour_group_name=colour,
                        graphical_appearance_name="Stripe" if striped else "Solid",
                        index_group_name=INDEX_GROUPS[variant % 2],
                        detail_desc="Soft jersey with a relaxed fit.",
                        image=path,
                        image_sha256=sha,
                    )
                )
    return articles


@dataclass
class FakeTrainingContext:
    """What the backbone hands a kind (recommendations.registry.TrainingContext), minus the database run."""

    workdir: Path
    parameters: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMETERS))
    progress_reports: list[tuple[float, str]] = field(default_factory=list)
    run: Any = field(default_factory=lambda: SimpleNamespace(pk=1))

    def progress(self, percent: float, message: str = "") -> None:
        self.progress_reports.append((percent, message))

    def check_cancelled(self) -> None:
        return None


@dataclass(frozen=True)
class TrainedCatalogue:
    """What a content run over the photo catalogue leaves besides the catalogue's rows."""

    ctx: FakeTrainingContext
    metrics: dict[str, float]
    workdir: Path  # the artifact's folder as written: each module gets a copy (`trained_content`)
    embeddings: list[dict[str, Any]]  # the photo vectors (ImageEmbedding rows) the run stored
    photos: dict[int, str]  # each article's photo fingerprint, as trained on
    files: dict[str, str]  # each artifact file's sha256, as written

    def check_catalogue(self, articles: list) -> None:
        """Rows made again must be those trained on: same articles, same photo fingerprints."""
        remade = {article.article_id: article.image_sha256 for article in articles}
        assert remade == self.photos, "the photo catalogue came out other than it was trained on"


def artifact_files(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def remove_photo_catalogue(articles: list) -> None:
    Article.objects.filter(article_id__in=[article.article_id for article in articles]).delete()
    ImageEmbedding.objects.all().delete()


def train_on_photo_catalogue(workdir: Path) -> TrainedCatalogue:
    """Make the photo catalogue, train a content model on it into `workdir`, remove the rows again."""
    from recommendations.content.training import train

    articles = make_photo_catalogue(variants=2)
    try:
        ctx = FakeTrainingContext(workdir=workdir)
        ctx.parameters.update(epochs=30, holdout_fraction=0.35)
        metrics = train(cast("TrainingContext", ctx))  # the stand-in has what training uses
        # The model is the photo catalogue's alone (no other article with a photo was there), as
        # the modules that share it expect.
        assert metrics["articles_indexed"] == len(articles), metrics
        embeddings = [dict(row) for row in ImageEmbedding.objects.values("tower", "image_sha256", "vector")]
    finally:
        remove_photo_catalogue(articles)
    return TrainedCatalogue(
        ctx=ctx,
        metrics=metrics,
        workdir=workdir,
        embeddings=embeddings,
        photos={article.article_id: article.image_sha256 for article in articles},
        files=artifact_files(workdir),
    )
