"""Lexical search over articles: PostgreSQL full-text on `Article.search_vector`, icontains on SQLite.

The search document weights what a shopper types: the name most (A), then type, colour and
pattern (B), then where it sits in the shop (C), then the free-text description (D). Keep
`SEARCH_DOCUMENT_SQL` and `search_articles` in step: both use the `english` configuration.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet

from catalog.models import Article

SEARCH_CONFIG = "english"

# An SQL expression over catalog_article's columns; the importer and the refresh service use it.
SEARCH_DOCUMENT_SQL = f"""
    setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(prod_name, '')), 'A')
    || setweight(to_tsvector('{SEARCH_CONFIG}', concat_ws(' ',
        product_type_name, colour_group_name, perceived_colour_master_name, graphical_appearance_name)), 'B')
    || setweight(to_tsvector('{SEARCH_CONFIG}', concat_ws(' ',
        department_name, index_group_name, section_name, product_group_name, garment_group_name)), 'C')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(detail_desc, '')), 'D')
"""

# Longer queries are pasted text, not searches; cutting them keeps the query plan cheap.
MAX_QUERY_CHARS = 200
# SQLite's fallback ANDs one icontains per word; more words than this only slow it down.
MAX_FALLBACK_TERMS = 8
ARTICLE_ID_PATTERN = re.compile(r"^0?\d{8,10}$")


def normalise_query(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY_CHARS]


def article_id_in_query(query: str) -> int | None:
    """Shoppers paste the id printed on a tag (`0108775015`); that finds the one article."""
    return int(query) if ARTICLE_ID_PATTERN.match(query) else None


def _search_query(query: str) -> SearchQuery:
    # websearch syntax: quoted phrases, `or`, `-excluded`; never a syntax error for shoppers.
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def matching_articles(queryset: QuerySet[Article], query: str) -> QuerySet[Article]:
    """Narrow `queryset` to articles matching `query` (no ordering, so facet counts can reuse it)."""
    if connection.vendor == "postgresql":
        return queryset.filter(search_vector=_search_query(query))
    # The SQLite demo has no full-text engine: every word must appear in one of the fields.
    condition = Q()
    for term in query.split()[:MAX_FALLBACK_TERMS]:
        condition &= (
            Q(prod_name__icontains=term)
            | Q(product_type_name__icontains=term)
            | Q(colour_group_name__icontains=term)
            | Q(graphical_appearance_name__icontains=term)
            | Q(department_name__icontains=term)
            | Q(index_group_name__icontains=term)
            | Q(detail_desc__icontains=term)
        )
    return queryset.filter(condition)


def order_by_relevance(queryset: QuerySet[Article], query: str) -> QuerySet[Article]:
    """Best match first (ties: the more popular article); SQLite only knows popularity."""
    if connection.vendor == "postgresql":
        return queryset.annotate(rank=SearchRank(F("search_vector"), _search_query(query))).order_by(
            F("rank").desc(), F("popularity").desc(), "article_id"
        )
    return queryset.order_by(F("popularity").desc(), "article_id")
