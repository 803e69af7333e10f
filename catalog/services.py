"""Writes that span many articles: the search document, cache invalidation after imports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction

from catalog.categories import CATEGORY_TREE_CACHE_KEY, forget_process_copy
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
