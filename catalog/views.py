"""Shopper pages: home, browse by category, product, search; and a trivial health check."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.selectors import customer_for_user
from catalog.categories import category_path_slugs, category_tree
from catalog.filters import (
    FACETS,
    INDEX_GROUP_FACET,
    ArticleFilters,
    CategoryPath,
    FacetSelection,
    InvalidFilter,
    parse_sort,
)
from catalog.listing import result_page_context
from catalog.search import article_id_in_query, normalise_query
from catalog.selectors import article_for_page, article_variants, browsable_article
from catalog.spelling import EXACT_PARAM, parse_exact
from storefront.throttles import throttled_page

SEARCH_FACETS = (INDEX_GROUP_FACET, *FACETS)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The cheapest response the stack can give: the baseline of benchmarks/pages_bench.py."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", {"customer": customer_for_user(request.user)})


def _bad_filter(request: HttpRequest, error: InvalidFilter) -> HttpResponse:
    # Without the filters, but still the search the shopper asked for.
    query = normalise_query(request.GET.get("q"))
    reset_url = f"{request.path}?{urlencode({'q': query})}" if query else request.path
    return render(request, "catalog/bad_filter.html", {"error": error, "reset_url": reset_url}, status=400)


@require_safe
def browse(
    request: HttpRequest,
    group_slug: str,
    section_slug: str | None = None,
    product_group_slug: str | None = None,
) -> HttpResponse:
    group = category_tree().get(group_slug)
    section = group.sections.get(section_slug) if group and section_slug else None
    product_group = section.product_groups.get(product_group_slug) if section and product_group_slug else None
    if group is None or (section_slug and section is None) or (product_group_slug and product_group is None):
        raise Http404("No such category")
    try:
        filters = ArticleFilters.from_params(request.GET)
        sort = parse_sort(request.GET.get("sort"))
    except InvalidFilter as error:
        return _bad_filter(request, error)
    path = CategoryPath(
        group.name, section.name if section else None, product_group.name if product_group else None
    )
    context = result_page_context(request, selection=FacetSelection(path, filters), facets=FACETS, sort=sort)
    context.update(
        group=group,
        section=section,
        product_group=product_group,
        heading=(product_group or section or group).name,
        current_group_slug=group.slug,
        breadcrumb=category_breadcrumb([node.name for node in (group, section, product_group) if node]),
    )
    return render(request, "catalog/browse.html", context)


# The browse URL for each depth of a category path: group, section, product group.
BROWSE_URL_NAMES = ("catalog:browse", "catalog:browse-section", "catalog:browse-product-group")


def category_breadcrumb(names: Sequence[str]) -> list[tuple[str, str]]:
    """(name, browse URL) for each level of a category path, top first."""
    slugs = category_path_slugs(names)
    return [
        (name, reverse(BROWSE_URL_NAMES[depth], args=slugs[: depth + 1])) for depth, name in enumerate(names)
    ]


@require_safe
def product(request: HttpRequest, article_id: int, slug: str = "") -> HttpResponse:
    article = article_for_page(article_id)
    if article is None:
        raise Http404(f"No article with id {article_id:010d}")
    canonical = article.get_absolute_url()
    if request.path != canonical:
        # A renamed article, an unpadded id or a hand-typed URL: one URL per product for search
        # engines and shared links, and the query string survives (tracking, variant choice).
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{canonical}?{query}" if query else canonical)
    breadcrumb = category_breadcrumb(
        [article.index_group_name, article.section_name, article.product_group_name]
    )
    context = {
        "article": article,
        "variants": article_variants(article),
        "breadcrumb": breadcrumb,
        "current_group_slug": category_path_slugs([article.index_group_name])[0],
    }
    return render(request, "catalog/product.html", context)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = normalise_query(request.GET.get("q"))
    try:
        filters = ArticleFilters.from_params(request.GET, SEARCH_FACETS)
        sort = parse_sort(request.GET.get("sort"), allow_relevance=True)
        exact = parse_exact(request.GET.get(EXACT_PARAM))
    except InvalidFilter as error:
        return _bad_filter(request, error)
    if not query:
        return render(request, "catalog/search.html", {"query": ""})
    throttled = throttled_page(
        request, lambda message: render(request, "catalog/search.html", {"query": query, "error": message})
    )
    if throttled is not None:
        return throttled
    article_id = article_id_in_query(query)
    if article_id is not None:
        article = browsable_article(article_id)
        if article is not None:
            return redirect(article)
    context = result_page_context(
        request,
        selection=FacetSelection(filters=filters),
        facets=SEARCH_FACETS,
        sort=sort,
        query=query,
        exact=exact,
    )
    return render(request, "catalog/search.html", context)
