"""The catalogue as the content job sees it: articles with a photo, their words and facets."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Article, ArticleQuerySet
from recommendations.content.catalogue_images import CatalogueImage
from recommendations.content.texts import ArticleText


@dataclass(frozen=True)
class CatalogueArticle:
    article_id: int
    product_code: int
    image: CatalogueImage
    text: ArticleText
    index_group: str
    product_type: str
    colour: str

    @property
    def keyword_text(self) -> str:
        """What the shop writes about the article in free text (the keyword baseline searches it)."""
        return f"{self.text.name} {self.text.description}"


FIELDS = (
    "article_id",
    "product_code",
    "image",
    "image_sha256",
    "prod_name",
    "product_type_name",
    "colour_group_name",
    "graphical_appearance_name",
    "department_name",
    "index_group_name",
    "detail_desc",
)


def photographed() -> ArticleQuerySet:
    """Articles the content model can hold: those with a processed photo (the importer or the
    admin's upload fills the fingerprint)."""
    return Article.objects.exclude(image="").exclude(image_sha256="")


def articles_with_photos() -> list[CatalogueArticle]:
    rows = (
        photographed()
        .order_by("article_id")
        .values_list(*FIELDS)
        .iterator(chunk_size=5000)
    )
    return [
        CatalogueArticle(
            article_id=article_id,
            product_code=product_code,
            image=CatalogueImage(sha256=sha, path=image),
            text=ArticleText(
                name=name,
                type=product_type,
                colour=colour,
                pattern_name=pattern,
                department=department,
                index_group=index_group,
                description=description,
            ),
            index_group=index_group,
            product_type=product_type,
            colour=colour,
        )
        for (
            article_id,
            product_code,
            image,
            sha,
            name,
            product_type,
            colour,
            pattern,
            department,
            index_group,
            description,
        ) in rows
    ]
