"""Reads for the shopper pages and the articles API; each runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Count, Expression, ExpressionWrapper, Q, QuerySet, Value

from accounts.models import Purchase
from catalog.filters import COLOUR_FACET, RELEVANCE, Facet, FacetSelection, SortOption, article_ordering
from catalog.models import Article
from catalog.search import matching_articles, order_by_relevance

# Four rows of six on a desktop, twelve rows of two on a phone.
PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
# "Best sellers of the last week" as H&M's own trending shelf reads it.
BEST_SELLER_DAYS = 7
BEST_SELLERS_CACHE_PREFIX = "catalog:best-sellers:v2:"
# Cached rankings carry the catalogue generation they were computed in; clearing the catalogue
# cache starts a new generation, which invalidates every ranking without listing their keys.
CATALOG_GENERATION_KEY = "catalog:generation"
FACETS_CACHE_PREFIX = "catalog:facets:v1:"
# As stale as the best sellers may be, for the same reason: the catalogue changes by imports.
FACETS_CACHE_SECONDS = 5 * 60
# Sales totals change once a day when transactions are imported; five minutes stale is harmless
# and saves a grouped scan over a week of purchases (~300k rows at H&M scale) on every home page.
BEST_SELLERS_CACHE_SECONDS = 5 * 60
# Cache a full shelf so that callers asking for fewer share one entry.
BEST_SELLERS_CACHED_COUNT = 48


# Article cards never show these; the search document alone is often larger than the rest of the row.
CARD_DEFERRED_FIELDS = ("search_vector", "detail_desc")


T = TypeVar("T")


def cached_in_generation(key: str, seconds: int, compute: Callable[[], T]) -> T:
    """`compute()`, cached under `key` until it expires or the catalogue generation changes.

    One cache round trip on a hit: the generation is fetched with the value.
    """
    found = cache.get_many([CATALOG_GENERATION_KEY, key])
    generation = found.get(CATALOG_GENERATION_KEY)
    cached = found.get(key)
    if cached is not None and cached[0] == generation:
        value: T = cached[1]
        return value
    value = compute()
    cache.set(key, (generation, value), seconds)
    return value


def for_cards(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """What listings need of each article: no search document or description. Their colour counts
    are added once the page is cut (with_variant_counts)."""
    return queryset.defer(*CARD_DEFERRED_FIELDS)


def with_variant_counts(articles: Iterable[Article]) -> list[Article]:
    """Sets `variant_count` on each article: how many colours its product comes in (cards show it).

    One query for the page's products after the page is cut: as a subquery of the listing it was
    run for every row an OFFSET skipped (the last page of a category took 1.5 s at H&M scale, of
    the articles API 1.9 s).
    """
    articles = list(articles)
    counts = dict(
        Article.objects.browsable()
        .filter(product_code__in={article.product_code for article in articles})
        .order_by()
        .values_list("product_code")
        .annotate(count=Count("article_id"))
    )
    for article in articles:
        article.variant_count = counts.get(article.product_code, 0)  # type: ignore[attr-defined]
    return articles


def filtered_articles(*, selection: FacetSelection, query: str = "") -> QuerySet[Article]:
    """Articles in the selection's category path and filters, matching `query` when given."""
    queryset: QuerySet[Article] = Article.objects.browsable().filter(selection.q())
    if query:
        queryset = matching_articles(queryset, query)
    return queryset


def ordered_articles(queryset: QuerySet[Article], sort: SortOption, query: str = "") -> QuerySet[Article]:
    if sort.key == RELEVANCE.key and query:
        return order_by_relevance(queryset, query)
    return queryset.order_by(*article_ordering(sort))


def cards_in_order(article_ids: Sequence[int]) -> list[Article]:
    """The card-ready articles with these ids, in this order, in one query. An article taken off
    sale since the ids were read leaves the page one card short."""
    articles = for_cards(Article.objects.browsable()).in_bulk(article_ids)
    return [articles[article_id] for article_id in article_ids if article_id in articles]


class CardsCutOnIds(Sequence[Article]):
    """A result list for Paginator that cuts a page on article ids, then reads that page's rows.

    `page_ids` gives the ids of a slice of the list, in order; each kind of list reads them its own
    way.
    """

    def page_ids(self, index: slice) -> list[int]:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...

    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        return cards_in_order(self.page_ids(index))


class ArticleCards(CardsCutOnIds):
    """An ordered article list, its page cut on ids first. OFFSET over the card rows sorted them
    all, wide as they are, to keep 24 (the articles API's last page: 217 ms at H&M scale); the
    ids alone come from an index in the listing's order (catalog.models.Article.Meta.indexes) and
    the page's 24 rows are then read by id. The order is the queryset's, ties included: each sort
    ends with the article id."""

    def __init__(self, ordered: QuerySet[Article]) -> None:
        # Not `self.ordered`: Paginator reads an `ordered` attribute as a queryset's flag.
        self.listing = ordered

    def __len__(self) -> int:
        return self.listing.count()  # once: Paginator.count is cached

    def page_ids(self, index: slice) -> list[int]:
        return list(self.listing.values_list("article_id", flat=True)[index])


class ProductCards(CardsCutOnIds):
    """One card per product of an ordered result list: its best-placed article, the others being
    colour variants of it (cards say how many colours). A sequence for Paginator (pages and the
    API's pages alike): its length is the number of products, and a page's articles are read when
    it is cut.

    The whole list's ids and product codes are read to pick each product's first article: at H&M
    scale a common word matches tens of thousands of articles, which the ranking orders all the
    same. A window function cannot pick them in SQL, because the relevance is one itself (its
    lexical position) and windows do not nest.
    """

    def __init__(self, ordered: QuerySet[Article]) -> None:
        seen: set[int] = set()
        self.article_ids: list[int] = []
        for article_id, product_code in ordered.values_list("article_id", "product_code"):
            if product_code not in seen:
                seen.add(product_code)
                self.article_ids.append(article_id)

    def __len__(self) -> int:
        return len(self.article_ids)

    def page_ids(self, index: slice) -> list[int]:
        return self.article_ids[index]


def paginate(
    queryset: QuerySet[Article],
    page_number: str | int | None,
    per_page: int = PAGE_SIZE,
    *,
    one_per_product: bool = False,
) -> Page:
    """The requested page of card-ready articles (see `page_of`), or of products (ProductCards)."""
    cards = ProductCards(queryset) if one_per_product else ArticleCards(queryset)
    page = page_of(Paginator(cards, per_page), page_number)
    page.object_list = with_variant_counts(page.object_list)
    return page


def page_of(paginator: Paginator[Any], page_number: str | int | None) -> Page:
    """The requested page: 0 or below gives the first, past the end the last, not a number the first.
    (Django's get_page gives the last for 0 and below.)"""
    try:
        page_number = max(int(page_number or 1), 1)
    except (TypeError, ValueError):
        page_number = 1
    return paginator.get_page(page_number)


@dataclass(frozen=True)
class FacetValue:
    # Usually one code; several when H&M's data gives one name several codes (two "Umbrella"
    # product types, for instance): a shopper sees one value and it selects all of them.
    codes: tuple[int, ...]
    name: str
    count: int
    selected: bool


# (facet param, code, name, number of articles)
FacetRow = tuple[str, int, str, int]


@dataclass(frozen=True)
class FacetCounts:
    facet: Facet
    values: list[FacetValue]


def _in_scope(condition: Q) -> Expression:
    """A facet filter condition as a column of the matches (true when nothing is selected)."""
    return ExpressionWrapper(condition, output_field=BooleanField()) if condition else Value(True)


def _facet_rows(
    selection: FacetSelection, facets: Sequence[Facet], query: str, count_products: bool
) -> list[FacetRow]:
    """Every facet's counts in one pass over the matches.

    Each facet counts the articles in the category path that match the query and every other
    facet's filter. Counted as one query per facet (a UNION ALL of five), the matches were found
    five times: 200 ms for a common word at H&M scale. Here the query finds them once (the `WITH`
    is materialised: it is read once per facet), with a flag per facet saying whether the other
    facets' filters hold, and each facet groups the rows it flags.
    """
    scopes = {facet.param: selection.filters.q(except_param=facet.param) for facet in facets}
    matches = filtered_articles(selection=FacetSelection(selection.path), query=query)
    if all(scopes.values()):  # no facet counts the articles that fail every filter
        matches = matches.filter(functools.reduce(operator.or_, scopes.values()))
    columns = {field for facet in facets for field in (facet.code_field, facet.name_field)}
    flags = {f"in_scope_{index}": _in_scope(scopes[facet.param]) for index, facet in enumerate(facets)}
    try:
        matches_sql, params = (
            matches.order_by()
            .values("article_id", "product_code", *sorted(columns), **flags)
            .query.sql_with_params()
        )
    except EmptyResultSet:  # nothing can match (a pasted number that is no article)
        return []
    parts = []
    for index, facet in enumerate(facets):
        # What a click on the value lists: products, or articles once it selects a colour.
        products = count_products and facet.param != COLOUR_FACET.param
        count = "count(DISTINCT product_code)" if products else "count(*)"
        parts.append(
            f"SELECT %s, {facet.code_field}, {facet.name_field}, {count} FROM matches"
            f" WHERE in_scope_{index} GROUP BY {facet.code_field}, {facet.name_field}"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH matches AS ({matches_sql}) {' UNION ALL '.join(parts)}",
            [*params, *(facet.param for facet in facets)],
        )
        return [(param, code, name, count) for param, code, name, count in cursor.fetchall()]


def facet_counts(
    *, selection: FacetSelection, facets: Sequence[Facet], query: str = "", count_products: bool = False
) -> list[FacetCounts]:
    """Counts per value of each facet, in one query, cached for a few minutes per selection.

    Each facet is counted with every other facet's selection applied but not its own, so that a
    shopper who ticked "Black" still sees how many "White" there are (the usual shop behaviour).
    A department's landing page aggregates tens of thousands of rows per facet at H&M scale and
    is the same for every visitor, hence the cache. `count_products`: results show one card per
    product, so values count products, except colours: selecting one lists each article in it.
    """
    if not facets:
        return []
    described = (selection, [facet.param for facet in facets], query, count_products)
    key = FACETS_CACHE_PREFIX + hashlib.sha256(repr(described).encode()).hexdigest()
    rows = cached_in_generation(
        key, FACETS_CACHE_SECONDS, lambda: _facet_rows(selection, facets, query, count_products)
    )
    codes: dict[tuple[str, str], set[int]] = {}
    counts: dict[tuple[str, str], int] = {}
    for param, code, name, count in rows:
        codes.setdefault((param, name), set()).add(code)
        counts[(param, name)] = counts.get((param, name), 0) + count
    result = []
    for facet in facets:
        values = [
            FacetValue(
                tuple(sorted(codes[(param, name)])),
                name,
                count,
                any(selection.filters.is_selected(param, code) for code in codes[(param, name)]),
            )
            for (param, name), count in counts.items()
            if param == facet.param
        ]
        result.append(FacetCounts(facet, sorted(values, key=lambda value: (-value.count, value.name))))
    return result


def article_for_page(article_id: int) -> Article | None:
    """The article, on sale or not: old links and order history point to articles taken off sale,
    and their pages say so instead of answering 404. Listings use `browsable_article`."""
    # Product pages show the description but never read the search document, often the bigger half.
    return Article.objects.defer("search_vector").filter(article_id=article_id).first()


def browsable_article(article_id: int) -> Article | None:
    """The article if a shopper may find it (on sale), e.g. for an id pasted into search."""
    return Article.objects.browsable().defer("search_vector").filter(article_id=article_id).first()


def article_variants(article: Article) -> list[Article]:
    """All colours of the article's product (itself included), for swatches."""
    return list(Article.objects.browsable().variants_of(article.product_code).defer(*CARD_DEFERRED_FIELDS))


def latest_purchase_date() -> dt.date | None:
    return Purchase.objects.order_by("-t_dat").values_list("t_dat", flat=True).first()


def _best_seller_ids(index_group_name: str | None) -> list[tuple[int, int]]:
    # By the name's hash: two index groups may share a slug-like spelling, never a name.
    group_key = hashlib.sha256(index_group_name.encode()).hexdigest()[:16] if index_group_name else ""
    key = BEST_SELLERS_CACHE_PREFIX + group_key
    return cached_in_generation(
        key, BEST_SELLERS_CACHE_SECONDS, lambda: _count_best_sellers(index_group_name)
    )


def _count_best_sellers(index_group_name: str | None) -> list[tuple[int, int]]:
    latest = latest_purchase_date()
    ranking: list[tuple[int, int]] = []
    if latest is not None:
        # "The last 7 days of the data", not of the calendar: the data set ends in the past.
        purchases = Purchase.objects.filter(t_dat__gt=latest - dt.timedelta(days=BEST_SELLER_DAYS))
        if index_group_name:
            purchases = purchases.filter(article__index_group_name=index_group_name)
        ranking = list(
            purchases.order_by()
            .values("article_id")
            .annotate(sold=Count("id"))
            .order_by("-sold", "article_id")
            .values_list("article_id", "sold")[:BEST_SELLERS_CACHED_COUNT]
        )
    return ranking


def best_selling_articles(
    *, index_group_name: str | None = None, limit: int = 12
) -> list[tuple[Article, int]]:
    """The best sellers of the last week in the data with their units sold, best first."""
    # The whole cached ranking, so that articles taken off sale since it was counted leave no gap.
    ranking = _best_seller_ids(index_group_name)
    articles = (
        Article.objects.browsable()
        .defer(*CARD_DEFERRED_FIELDS)
        .in_bulk([article_id for article_id, _ in ranking])
    )
    return [(articles[article_id], sold) for article_id, sold in ranking if article_id in articles][:limit]
