"""Writes with side effects on articles: search documents, availability, photos, the catalogue cache."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction

from catalog.categories import CATEGORY_TREE_CACHE_KEY, forget_process_copy
from catalog.importer.article_stats import medians_by
from catalog.importer.image_files import ImageResult, PreparedPhoto, prepare_photo, unwritable, write_photo
from catalog.models import Article, RetiredPhoto
from catalog.retired_photos import photos_being_stored, photos_retire, photos_unretire
from catalog.search import SEARCH_DOCUMENT_SQL
from catalog.selectors import CATALOG_GENERATION_KEY

logger = logging.getLogger(__name__)


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
    article_ids = list(article_ids)
    article_refresh_search_vectors(article_ids=article_ids)
    articles_price_from_colours(article_ids=article_ids)
    transaction.on_commit(catalog_cache_clear)


def articles_price_from_colours(*, article_ids: Iterable[int]) -> int:
    """Articles that never sold take the median price of their product's colours that did, as
    the importer prices them (catalog.importer.article_stats), or no price when none did; returns
    how many changed.

    For a colour staff add by hand, or move to another product, between two imports: it would
    show no price until the next one. Its product's other unsold colours are left to that import.
    """
    unsold = list(
        Article.objects.filter(article_id__in=list(article_ids), first_sold_on__isnull=True).only(
            "article_id", "product_code", "price"
        )
    )
    if not unsold:
        return 0
    sold = Article.objects.filter(
        product_code__in={article.product_code for article in unsold}, first_sold_on__isnull=False
    )
    product_prices = medians_by(sold.values_list("product_code", "price"))
    changed = []
    for article in unsold:
        price = product_prices.get(article.product_code)
        if article.price != price:
            article.price = price
            changed.append(article)
    Article.objects.bulk_update(changed, ["price"])
    return len(changed)


def articles_delete(*, article_ids: Iterable[int]) -> int:
    """Delete articles (those without purchases: purchases PROTECT theirs) and retire their photo
    files (catalog.retired_photos): removed after the grace period, not under pages still showing
    them. Returns how many."""
    with transaction.atomic():
        articles = Article.objects.filter(article_id__in=list(article_ids))
        # Read under the rows' locks, which the delete would wait for anyway: read before, a photo
        # recorded meanwhile (articles_record_photos) had its files left behind, the old ones retired.
        locked = articles.select_for_update().order_by("article_id")
        photos = {path for paths in locked.values_list("image", "image_thumbnail") for path in paths if path}
        _, per_model = articles.delete()
        # In the delete's transaction: a delete that is rolled back (or refused) retires nothing.
        photos_retire(paths=photos)
        transaction.on_commit(catalog_cache_clear)
    return per_model.get(Article._meta.label, 0)


# What a photo sets on its article; staff never type them (the admin shows them read-only).
PHOTO_FIELDS = ["image", "image_thumbnail", "image_width", "image_height", "image_sha256"]
# Articles whose photos one statement records (an import records its photos in batches of this).
RECORDED_PER_STATEMENT = 500


class PhotoNotStored(Exception):
    """The photo is fine, but its files could not be written (a full disk, an unwritable MEDIA_ROOT)
    or recorded on its article (the database failed): raised after the rest of the save committed."""

    def __init__(self, message: str, *, article_id: int) -> None:
        super().__init__(message)
        self.article_id = article_id  # saved, a new article too: where the admin goes next


def article_replace_photo(*, article: Article, data: bytes) -> None:
    """Make `data` (checked by storefront.photo_checks) the article's photo once the caller's
    transaction commits, processed as an import would.

    The photo is processed now, in memory, so that a photo it cannot store stops the save. Its files
    are written after the commit, under new names (image_files.original_path), and recorded on the
    article in a transaction of their own (articles_record_photos). Written before, over the old
    files, a save that then rolled back (a later error, a lost connection) left the old fingerprint
    and size on the row beside the new pixels. A save that rolls back now writes nothing.

    Files that cannot be written or recorded raise PhotoNotStored from the commit, after the rest of
    the save: the caller's transaction has committed, the article keeps its old photo. Register
    this last.
    """
    prepared = prepare_photo(data, article_id=article.article_id)
    if prepared.result.problem:
        raise ValueError(
            f"The photo of article {article.display_id} could not be stored: {prepared.result.problem}"
        )
    transaction.on_commit(partial(_store_and_record, article.display_id, prepared))


def _store_and_record(display_id: str, prepared: PreparedPhoto) -> None:
    article_id = prepared.result.article_id
    try:
        # Until the record commits: the photo may be one retired under this very name (uploaded
        # again), which the sweep must not remove between the write and the record.
        with photos_being_stored():
            _store(display_id, prepared)
            articles_record_photos(results=[prepared.result])
    except DatabaseError as error:
        # The rest of the save has committed: a 500 page would say it had not. The files written
        # are removed already (articles_record_photos).
        logger.exception("Could not record the new photo of article %s.", display_id)
        raise PhotoNotStored(
            f"The photo of article {display_id} could not be recorded: the database failed ({error}). "
            "The rest of the changes are saved and the article keeps its old photo; upload the photo "
            "again.",
            article_id=article_id,
        ) from error


def _store(display_id: str, prepared: PreparedPhoto) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    try:
        write_photo(prepared, media_root)
    except OSError as error:
        raise PhotoNotStored(
            f"The photo of article {display_id} could not be stored in MEDIA_ROOT: "
            f"{unwritable(error, prepared, media_root)}. The article keeps its old photo; free space "
            "there or make it writable, then upload the photo again.",
            article_id=prepared.result.article_id,
        ) from error


def articles_record_photos(*, results: Sequence[ImageResult]) -> None:
    """Point articles at the photo files just written for them (image_files), in one transaction
    that retires the files they pointed to before (catalog.retired_photos: pages rendered before
    still show them) and un-retires the new ones (a photo recorded again under its old name); the
    new files are removed if it fails.

    Until the commit, every page and the content run read the old files, whole, with the old
    fingerprint; after it, the new ones with theirs: the two never disagree. The rows are locked,
    so that of two writers replacing one article's photo (an import and a staff member), each
    retires the files it replaced, never the ones the other recorded. Callers that write the files
    hold photos_being_stored from before the write until this returns.

    Never inside a caller's transaction (RuntimeError): the record would commit with it, after
    photos_being_stored had released the sweep's lock, and a sweep in between could remove a photo
    written under a retired name (see catalog.retired_photos).
    """
    results = [result for result in results if result.stored]
    if not results:
        return
    written = {path for result in results for path in result.files}
    try:
        with transaction.atomic(durable=True):
            ids = [result.article_id for result in results]
            locked = Article.objects.select_for_update().filter(article_id__in=ids).order_by("article_id")
            rows = list(locked.values_list("article_id", "image", "image_thumbnail"))
            present = {article_id for article_id, *_ in rows}
            replaced = {path for _, *paths in rows for path in paths}
            # An article deleted while its photo was processed has no row to record it.
            articles = [
                Article(
                    article_id=result.article_id,
                    image=result.original,
                    image_thumbnail=result.thumbnail,
                    image_width=result.width,
                    image_height=result.height,
                    image_sha256=result.fingerprint,
                )
                for result in results
                if result.article_id in present
            ]
            Article.objects.bulk_update(articles, PHOTO_FIELDS, batch_size=RECORDED_PER_STATEMENT)
            recorded = {path for article in articles for path in (article.image, article.image_thumbnail)}
            photos_retire(paths=replaced - recorded)
            photos_unretire(paths=recorded)
    except BaseException:
        photos_remove_unrecorded(paths=written)
        raise
    deleted_meanwhile = [result for result in results if result.article_id not in present]
    photos_remove_unrecorded(paths=[path for result in deleted_meanwhile for path in result.files])


def photos_remove_unrecorded(*, paths: Iterable[str]) -> None:
    """Remove photo files written for articles that do not record them (a failed or stopped save):
    never shown, so at once, not after a grace period.

    A path a row records is kept: a photo restored under the name its row already had, say; so is
    a retired one (the same photo uploaded again under the name it had): pages may still show it,
    and the sweep removes it in its time. When the database cannot say (the failure was its
    connection), the files are kept: an unused file costs disk space, a recorded one removed costs
    a photo.
    """
    paths = set(paths)
    if not paths:
        return
    try:
        kept = Article.objects.recorded_paths(paths)
        kept |= set(RetiredPhoto.objects.filter(path__in=paths).values_list("path", flat=True))
    except DatabaseError:
        logger.warning("Could not check which photo files are recorded; keeping them.", exc_info=True)
        return
    for path in sorted(paths - kept):
        default_storage.delete(path)
