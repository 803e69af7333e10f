"""The article admin's list filters, cheap at H&M scale (105k articles).

Django's value filter reads its choices with a SELECT DISTINCT over every article, one per filter
on every changelist page (55-105 ms each here); "Show counts" then counts each filter's values in
a query of its own, one more pass over the articles per filter. The choices here come from the
cache, read for all filters in one query when the catalogue changes (an import, an admin save:
see catalog.services.catalog_cache_clear), and the counts of every filter with no value selected
come from one aggregate: they all count the same list, as the other filters narrow it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog.models import Article
from catalog.selectors import FACETS_CACHE_SECONDS, cached_in_generation

# The text columns staff filter articles by, choices from the cache (CachedValuesFilter).
CACHED_FILTER_FIELDS = (
    "index_group_name",
    "product_group_name",
    "garment_group_name",
    "graphical_appearance_name",
    "perceived_colour_master_name",
)
FILTER_VALUES_CACHE_KEY = "catalog:admin-filter-values:v1"
# Where a changelist keeps the counts it read for its idle filters (one aggregate per page).
IDLE_COUNTS_ATTRIBUTE = "_idle_filter_counts"


def _read_filter_values() -> dict[str, list[str]]:
    combinations = list(Article.objects.order_by().values_list(*CACHED_FILTER_FIELDS).distinct())
    return {
        field: sorted({row[position] for row in combinations})
        for position, field in enumerate(CACHED_FILTER_FIELDS)
    }


def article_filter_values() -> dict[str, list[str]]:
    """Every value of each CACHED_FILTER_FIELDS column among all articles, off sale too, sorted."""
    return cached_in_generation(FILTER_VALUES_CACHE_KEY, FACETS_CACHE_SECONDS, _read_filter_values)


def _idle_filter_counts(changelist: ChangeList, request: HttpRequest) -> dict[int, dict[str, int]]:
    """The facet counts of every one-pass filter with no value selected, by filter, in one query."""
    counts: dict[int, dict[str, int]] | None = getattr(changelist, IDLE_COUNTS_ATTRIBUTE, None)
    if counts is not None:
        return counts
    idle = [
        spec
        for spec in changelist.filter_specs
        if isinstance(spec, OnePassFacets) and not spec.used_parameters
    ]
    queryset: QuerySet[Any] = changelist.get_queryset(request)
    aggregates = {
        f"f{position}_{key}": count
        for position, spec in enumerate(idle)
        for key, count in spec.get_facet_counts(changelist.pk_attname, queryset).items()
    }
    row = queryset.aggregate(**aggregates) if aggregates else {}
    counts = {
        id(spec): {
            key.removeprefix(f"f{position}_"): value
            for key, value in row.items()
            if key.startswith(f"f{position}_")
        }
        for position, spec in enumerate(idle)
    }
    setattr(changelist, IDLE_COUNTS_ATTRIBUTE, counts)
    return counts


class OnePassFacets:
    """A list filter whose "Show counts" numbers, when none of its values is selected, come from
    the one aggregate of _idle_filter_counts. A selected filter counts its values without its own
    selection, a list of its own, as Django does."""

    # Provided by the Django filter this is mixed into.
    used_parameters: dict[str, Any]
    request: HttpRequest
    get_facet_counts: Callable[[str, QuerySet[Any]], dict[str, Any]]

    def get_facet_queryset(self, changelist: ChangeList) -> dict[str, int]:
        if self.used_parameters:
            return super().get_facet_queryset(changelist)  # type: ignore[misc]
        return _idle_filter_counts(changelist, self.request)[id(self)]


class CachedValuesFilter(OnePassFacets, admin.AllValuesFieldListFilter):
    """Django's value filter, its choices from article_filter_values instead of a SELECT DISTINCT."""

    def __init__(self, field: Any, request: Any, params: Any, model: Any, model_admin: Any, field_path: str):
        super().__init__(field, request, params, model, model_admin, field_path)
        # A list where Django has a lazy queryset: both are read as a sequence of values.
        self.lookup_choices = article_filter_values()[field_path]  # type: ignore[assignment]


class OnSaleFilter(OnePassFacets, admin.BooleanFieldListFilter):
    """Django's yes/no filter, counted in the one aggregate."""
