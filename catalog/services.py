"""Writes with side effects on articles: search documents, availability, photos, the catalogue cache."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q

from catalog.categories import CATEGORY_TREE_CACHE_KEY, forget_process_copy
from catalog.importer.image_files import ImageTask, original_path, process_image, thumbnail_path
from catalog.models import Article
from catalog.search import SEARCH_DOCUMENT_SQL
from catalog.selectors import CATALOG_GENERATION_KEY


def article_refresh_search_vectors(*, article_ids: Iterable[int] | None = None) -> int:
    """Recompute `search_vector` for the given articles (all when None); returns rows updated.

    One UPDATE in the database: the text never travels to Python. A no-op on SQLite, whose demo
    search does not use the vector.
    """
    if connection.vendor != "postgresql":
        return 0
    sql = f"UPDATE catalog_article SET search_vector = {SEARCH_DOCUMENT_SQL}"
    params: list[list[int]] = []
    if article_ids is not None:
        ids = list(article_ids)
        if not ids:
            return 0
        sql += " WHERE article_id = ANY(%s)"
        params.append(ids)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def catalog_cache_clear() -> None:
    """Forget cached catalogue structure and best sellers; importers call this after loading.

    Touches only the cache (no database), so tests can call it before every test. Other web
    processes drop their own short-lived copies of the tree within PROCESS_COPY_SECONDS.
    """
    cache.delete(CATEGORY_TREE_CACHE_KEY)
    forget_process_copy()
    cache.set(CATALOG_GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def articles_set_availability(*, article_ids: Iterable[int], available: bool) -> int:
    """Put articles back on sale or take them off sale; returns how many changed.

    Taking off sale is how staff retire an article that has sold: purchases keep it (PROTECT), its
    page stays for old links, and `browsable()` hides it everywhere else. The cached tree, facets
    and best sellers are cleared once the change commits (before, a page could cache the old rows).
    """
    with transaction.atomic():
        changed = (
            Article.objects.filter(article_id__in=list(article_ids))
            .exclude(is_available=available)
            .update(is_available=available)
        )
        if changed:
            transaction.on_commit(catalog_cache_clear)
    return changed


def articles_refresh_derived(*, article_ids: Iterable[int]) -> None:
    """After staff edit articles: their search documents now, the cached catalogue after the commit.

    The search document is computed in the database (SEARCH_DOCUMENT_SQL), so a renamed article
    is found by its new name, and one added by hand is found at all (its vector was NULL). The
    tree, facets and best sellers are cleared only once the edit is visible to other connections;
    cleared before, a page could cache the old rows again for ten minutes.
    """
    article_refresh_search_vectors(article_ids=article_ids)
    transaction.on_commit(catalog_cache_clear)


def articles_delete(*, article_ids: Iterable[int]) -> int:
    """Delete articles (those without purchases: purchases PROTECT theirs) and, once that commits,
    their photo files, which would otherwise stay on disk and be served; returns how many."""
    with transaction.atomic():
        articles = Article.objects.filter(article_id__in=list(article_ids))
        photos = {
            path for paths in articles.values_list("image", "image_thumbnail") for path in paths if path
        }
        _, per_model = articles.delete()
        # After the commit: a delete that is rolled back (or refused) keeps its photos.
        transaction.on_commit(lambda: _remove_unused_photos(photos))
        transaction.on_commit(catalog_cache_clear)
    return per_model.get(Article._meta.label, 0)


def _remove_unused_photos(paths: set[str]) -> None:
    # Paths were free text in the admin once: a photo another article records is kept.
    still_used = {
        path
        for pair in Article.objects.filter(Q(image__in=paths) | Q(image_thumbnail__in=paths)).values_list(
            "image", "image_thumbnail"
        )
        for path in pair
    }
    for path in sorted(paths - still_used):
        default_storage.delete(path)


# What a photo sets on its article; staff never type them (the admin shows them read-only).
PHOTO_FIELDS = ["image", "image_thumbnail", "image_width", "image_height", "image_sha256"]


class PhotoNotStored(Exception):
    """The photo is fine, but its files could not be written (a full disk, an unwritable MEDIA_ROOT)."""


def article_replace_photo(*, article: Article, data: bytes) -> None:
    """Store `data` (checked by storefront.photo_checks) as the article's photo, as an import would.

    Raises PhotoNotStored when the files cannot be written; the old files are then left as they were.

    The importer's own processing writes the original (as JPEG) and the thumbnail over the old
    files and measures the photo; the new fingerprint makes the next content run embed it again.
    """
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "upload"
        source.write_bytes(data)
        # No known fingerprint: always stored, even when the same photo is uploaded again.
        result = process_image(ImageTask(str(source), article.article_id, "", str(settings.MEDIA_ROOT)))
    if result.problem:
        raise ValueError(f"The photo of article {article.display_id} could not be stored: {result.problem}")
    if result.unwritable:
        raise PhotoNotStored(
            f"The photo of article {article.display_id} could not be stored in MEDIA_ROOT: "
            f"{result.unwritable}. Nothing was changed; free space there or make it writable, "
            "then upload it again."
        )
    article.image = original_path(article.article_id)
    article.image_thumbnail = thumbnail_path(article.article_id)
    article.image_width, article.image_height = result.width, result.height
    article.image_sha256 = result.fingerprint
    article.save(update_fields=PHOTO_FIELDS)
