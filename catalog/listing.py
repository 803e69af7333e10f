"""The shared body of the browse and search pages: results, facet links, sort options.

Every facet value is a plain link that toggles it in the URL, so filtering works without
JavaScript, each state is bookmarkable, and the back button does what a shopper expects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page
from django.http import HttpRequest

from catalog.filters import (
    DEFAULT_SORT,
    RELEVANCE,
    SORT_OPTIONS,
    ArticleFilters,
    Facet,
    FacetSelection,
    SortOption,
)
from catalog.selectors import FacetCounts, facet_counts, filtered_articles, ordered_articles, paginate
from catalog.spelling import EXACT_PARAM, searched_query
from catalog.vocabulary import asks_for_a_colour

# Facets with more values than this show the top ones and fold the rest under "more".
VISIBLE_FACET_VALUES = 8


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    selected: bool
    url: str


@dataclass(frozen=True)
class FacetView:
    param: str
    label: str
    links: list[FacetLink]
    visible: list[FacetLink]
    folded: list[FacetLink]
    clear_url: str | None  # set when a value of this facet is selected


@dataclass(frozen=True)
class SortLink:
    key: str
    label: str
    selected: bool


def listing_url(
    path: str,
    *,
    filters: ArticleFilters,
    sort: SortOption,
    default_sort: str,
    query: str,
    exact: bool = False,
) -> str:
    """The URL of a result page; the page number is dropped because the result set changed."""
    items: list[tuple[str, str]] = [("q", query)] if query else []
    if query and exact:
        items.append((EXACT_PARAM, "1"))
    items += filters.as_query_items()
    if sort.key != default_sort:
        items.append(("sort", sort.key))
    return f"{path}?{urlencode(items)}" if items else path


def _facet_view(
    counts: FacetCounts, *, filters: ArticleFilters, url_for: Callable[[ArticleFilters], str]
) -> FacetView:
    param = counts.facet.param
    links = [
        FacetLink(value.name, value.count, value.selected, url_for(filters.toggled(param, value.codes)))
        for value in counts.values
    ]
    # Selected values always stay visible, whatever their rank.
    visible = links[:VISIBLE_FACET_VALUES]
    folded = [link for link in links[VISIBLE_FACET_VALUES:] if not link.selected]
    visible += [link for link in links[VISIBLE_FACET_VALUES:] if link.selected]
    selected_any = any(link.selected for link in links)
    return FacetView(
        param,
        counts.facet.label,
        links,
        visible,
        folded,
        url_for(filters.without(param)) if selected_any else None,
    )


def result_page_context(
    request: HttpRequest,
    *,
    selection: FacetSelection,
    facets: Sequence[Facet],
    sort: SortOption,
    query: str = "",
    exact: bool = False,
) -> dict[str, Any]:
    """Everything the results template needs: the page of articles, facets, sort, links.

    `query` is what the shopper typed and stays in every link; the results are for its spelling
    correction, if it has one, unless `exact` (see catalog.spelling).
    """
    default_sort = RELEVANCE.key if query else DEFAULT_SORT
    searched = searched_query(query, exact=exact)
    # Search shows one card per product (twelve colours of one top crowded a page), unless the
    # shopper asked for a colour; browse pages show every article, as they always have.
    one_per_product = bool(query) and not asks_for_a_colour(filters=selection.filters, query=searched)
    articles = ordered_articles(filtered_articles(selection=selection, query=searched), sort, searched)
    page: Page = paginate(articles, request.GET.get("page"), one_per_product=one_per_product)
    page.object_list = list(page.object_list)  # one query, however often the template reads it

    def url_for(filters: ArticleFilters, *, exact: bool = exact) -> str:
        return listing_url(
            request.path, filters=filters, sort=sort, default_sort=default_sort, query=query, exact=exact
        )

    facet_views = [
        _facet_view(counts, filters=selection.filters, url_for=url_for)
        for counts in facet_counts(
            selection=selection, facets=facets, query=searched, count_products=one_per_product
        )
    ]
    sort_links = [SortLink(RELEVANCE.key, RELEVANCE.label, sort.key == RELEVANCE.key)] if query else []
    sort_links += [
        SortLink(option.key, option.label, option.key == sort.key) for option in SORT_OPTIONS.values()
    ]
    return {
        "page_obj": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "articles": page.object_list,
        "facets": facet_views,
        "sort_links": sort_links,
        "sort": sort,
        "filters": selection.filters,
        "filter_items": selection.filters.as_query_items(),
        "clear_all_url": url_for(ArticleFilters()) if selection.filters else None,
        "query": query,
        "exact": exact,
        # Set when the results are for a spelling correction: what they are for, and the way back.
        "corrected_query": searched if searched != query else "",
        "exact_url": url_for(selection.filters, exact=True) if searched != query else "",
    }
