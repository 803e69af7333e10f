"""Articles: one row of H&M's `articles.csv` each, plus what the shop derives for its pages."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable

from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OrderBy
from django.urls import reverse
from django.utils.text import slugify

from catalog.article_ids import ARTICLE_ID_DIGITS, MAX_ARTICLE_ID, MIN_ARTICLE_ID

# What `ArticleQuerySet.browsable` filters on, as the condition of the listing indexes.
ON_SALE = models.Q(is_available=True)
# Columns no edit form writes from what it was opened on: the search document is derived from the
# others, and imports refresh the sales figures while a form is open without making it stale.
NOT_EDITED = {"search_vector", "price", "first_sold_on", "popularity"}
# Enough of a photo's fingerprint (image_sha256) to tell it from the article's next photo: in its
# URLs, and in the content index's record of the photo each row was embedded from.
PHOTO_VERSION_CHARS = 16


def listing_index(name: str, *order: F | OrderBy) -> models.Index:
    """An index of the articles on sale in a listing's order, ties by id as every listing breaks them."""
    return models.Index(*order, F("article_id"), name=name, condition=ON_SALE)


def format_article_id(article_id: int) -> str:
    return str(article_id).zfill(ARTICLE_ID_DIGITS)


@functools.cache
def _product_url_pattern() -> str:
    # reverse() walks the URL resolver on every call and a listing page links dozens of
    # products; the pattern is resolved once per process and filled in with str.format.
    placeholder = reverse("catalog:product", kwargs={"slug": "slug", "article_id": 0})
    return placeholder.replace("slug-0000000000", "{slug}-{article_id}")


class ArticleQuerySet(models.QuerySet["Article"]):
    def browsable(self) -> ArticleQuerySet:
        """Articles a shopper may find: those on sale. Listings, search and every shelf start here;
        an article taken off sale keeps its page (old links, order history) but appears nowhere."""
        return self.filter(ON_SALE)

    def variants_of(self, product_code: int) -> ArticleQuerySet:
        return self.filter(product_code=product_code).order_by("article_id")

    def recording(self, paths: Iterable[str]) -> ArticleQuerySet:
        """Articles whose photo or thumbnail is one of `paths` (relative to MEDIA_ROOT)."""
        paths = list(paths)
        return self.filter(models.Q(image__in=paths) | models.Q(image_thumbnail__in=paths))

    def recorded_paths(self, paths: Iterable[str]) -> set[str]:
        """Those of `paths` some article records: paths were free text in the admin once, so two
        articles may share one."""
        paths = set(paths)
        # Unordered: the default order by id cost a sort of every match for a set.
        pairs = self.recording(paths).order_by().values_list("image", "image_thumbnail")
        return {path for pair in pairs for path in pair} & paths


class Article(models.Model):
    # The columns of articles.csv, names unchanged so that the importer maps them one to one.
    article_id = models.BigIntegerField(
        primary_key=True, validators=[MinValueValidator(MIN_ARTICLE_ID), MaxValueValidator(MAX_ARTICLE_ID)]
    )
    product_code = models.IntegerField(db_index=True)
    prod_name = models.CharField(max_length=255)
    product_type_no = models.IntegerField()
    product_type_name = models.CharField(max_length=100)
    product_group_name = models.CharField(max_length=100)
    graphical_appearance_no = models.IntegerField()
    graphical_appearance_name = models.CharField(max_length=100)
    colour_group_code = models.IntegerField()
    colour_group_name = models.CharField(max_length=100)
    perceived_colour_value_id = models.IntegerField()
    perceived_colour_value_name = models.CharField(max_length=100)
    perceived_colour_master_id = models.IntegerField()
    perceived_colour_master_name = models.CharField(max_length=100)
    department_no = models.IntegerField()
    department_name = models.CharField(max_length=100)
    index_code = models.CharField(max_length=4)
    index_name = models.CharField(max_length=100)
    index_group_no = models.IntegerField()
    # Not indexed alone: article_group_popularity leads with it, and nothing searches it by LIKE.
    index_group_name = models.CharField(max_length=100)
    section_no = models.IntegerField()
    section_name = models.CharField(max_length=100)
    garment_group_no = models.IntegerField()
    garment_group_name = models.CharField(max_length=100)
    detail_desc = models.TextField(blank=True)

    # Derived by the shop. Not indexed: product URLs find the article by id and only compare the
    # slug, so no query filters or sorts on it.
    slug = models.SlugField(max_length=255, db_index=False)
    # Paths relative to MEDIA_ROOT; empty when the data set has no photo (pages show a placeholder).
    image = models.CharField(max_length=255, blank=True)
    image_thumbnail = models.CharField(max_length=255, blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    # The photo's fingerprint (catalog.importer.image_files): the source file's sha256 for a photo
    # stored byte for byte, one that names the processing too for a photo re-encoded. Lets imports
    # skip unchanged photos and the content job reuse the vectors of unchanged images.
    image_sha256 = models.CharField(max_length=64, blank=True)
    # Refreshed from purchases after each transactions import (catalog.importer.article_stats);
    # an article never sold is priced as its product's colours that sold, or has no price.
    price = models.FloatField(null=True, blank=True)
    first_sold_on = models.DateField(null=True, blank=True)
    popularity = models.FloatField(default=0.0)
    # Staff take an article off sale instead of deleting it: purchases refer to it (PROTECT). Not
    # a column of articles.csv, so the importer never writes it; db_default covers its raw INSERTs.
    is_available = models.BooleanField(
        "on sale",
        default=True,
        db_default=True,
        help_text="Off sale: hidden from listings, search and recommendations; its page says so.",
    )
    # Postgres full-text document; filled by the importer, empty on SQLite (the demo falls back).
    search_vector = SearchVectorField(null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["article_id"]
        indexes = [
            models.Index(fields=["index_group_name", "-popularity"], name="article_group_popularity"),
            models.Index(fields=["-popularity"], name="article_popularity"),
            # Listings cut a page on ids first (catalog.selectors.ArticleCards): each index holds an
            # order of catalog.filters.SORT_OPTIONS over the articles on sale, ties by id, so that
            # a deep page reads ids from the index alone instead of sorting the whole catalogue.
            listing_index("article_on_sale_popular", F("popularity").desc()),
            listing_index("article_on_sale_group_popular", F("index_group_name"), F("popularity").desc()),
            listing_index("article_on_sale_newest", F("first_sold_on").desc(nulls_last=True)),
            listing_index("article_on_sale_price_asc", F("price").asc(nulls_last=True)),
            listing_index("article_on_sale_price_desc", F("price").desc(nulls_last=True)),
            # The retired-photo sweep asks which of 200 paths an article records (recorded_paths),
            # under the lock every photo writer waits for: a scan of 105k articles took 95 ms a
            # batch, two minutes for a re-import's 211k retired files.
            models.Index(fields=["image"], name="article_image"),
            models.Index(fields=["image_thumbnail"], name="article_image_thumbnail"),
        ]

    def __str__(self) -> str:
        return f"{self.prod_name} ({self.display_id})"

    def get_absolute_url(self) -> str:
        return _product_url_pattern().format(slug=self.slug, article_id=self.display_id)

    @property
    def price_from_other_colours(self) -> bool:
        """Never sold, so its price is its product's sold colours' median (article_stats)."""
        return self.price is not None and self.first_sold_on is None

    @property
    def display_id(self) -> str:
        return format_article_id(self.article_id)

    def photo_url(self, path: str) -> str:
        """The URL of `path` (the photo or its thumbnail), naming the photo's fingerprint.

        Photos stored by older imports lie under the article's name alone, and a new photo once
        replaced them there: without a version in the URL, browsers and caches in front of the
        media kept showing the old one for as long as they judged it fresh. New photos have names
        of their own (catalog.importer.image_files.original_path); the version stays for the old.
        """
        url = default_storage.url(path)
        if not self.image_sha256:
            return url
        # A storage serving signed URLs (object storage) has a query of its own.
        return f"{url}{'&' if '?' in url else '?'}v={self.image_sha256[:PHOTO_VERSION_CHARS]}"

    def edit_version(self) -> str:
        """A digest of what staff edit and the photo: an edit form opened on another one is stale."""
        fields = [field for field in self._meta.concrete_fields if field.name not in NOT_EDITED]
        values = [getattr(self, field.attname) for field in fields]
        return hashlib.sha256(repr(values).encode()).hexdigest()

    def make_slug(self) -> str:
        return slugify(f"{self.prod_name} {self.colour_group_name}")[:200] or "article"


class RetiredPhotoQuerySet(models.QuerySet["RetiredPhoto"]):
    def retired_before(self, moment: dt.datetime) -> RetiredPhotoQuerySet:
        return self.filter(retired_at__lt=moment)


class RetiredPhoto(models.Model):
    """A photo file no article records any more, kept on disk for a grace period.

    Pages rendered just before an article's photo was replaced or the article deleted (an open
    product page, a list a proxy or browser cached, an API answer an app holds) still show its
    address: removed at once, they showed broken images. The row is written in the transaction
    that stops recording the file, and deleted in the one that records it again; the housekeeping
    sweep (catalog.retired_photos) removes files retired longer than RETIRED_PHOTOS_GRACE_SECONDS.
    """

    # Relative to MEDIA_ROOT, as Article.image records it. Unique by a constraint, not unique=True,
    # which adds a second (LIKE pattern) index on PostgreSQL that no query uses.
    path = models.CharField(max_length=255)
    retired_at = models.DateTimeField(db_index=True)

    objects = RetiredPhotoQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["path"], name="retired_photo_path")]

    def __str__(self) -> str:
        return self.path
