"""Filters and sort orders shared by the browse and search pages and the articles API.

Filter state lives in the URL (`?colour=9&colour=73&type=253&sort=newest&page=2`) so that every
result page can be bookmarked, shared and crawled. Values are H&M's numeric codes: names are not
unique across the catalogue (two product types may share a name), codes are.
Within one facet the selected values are alternatives (OR); across facets they narrow (AND).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from django.db.models import F, OrderBy, Q


@dataclass(frozen=True)
class Facet:
    param: str  # the query-string name
    label: str  # what a shopper reads
    code_field: str
    name_field: str


# Selecting a colour shows every article in it: search otherwise shows one card per product.
COLOUR_FACET = Facet("colour", "Colour", "colour_group_code", "colour_group_name")
FACETS: tuple[Facet, ...] = (
    Facet("type", "Product type", "product_type_no", "product_type_name"),
    COLOUR_FACET,
    Facet("pattern", "Pattern", "graphical_appearance_no", "graphical_appearance_name"),
    Facet("garment", "Garment group", "garment_group_no", "garment_group_name"),
)
# Search has no category path in its URL, so the index group is one more facet there.
INDEX_GROUP_FACET = Facet("group", "Department", "index_group_no", "index_group_name")
FACETS_BY_PARAM = {facet.param: facet for facet in (*FACETS, INDEX_GROUP_FACET)}
# A URL with hundreds of values is a crafted one; no shopper ticks that many boxes.
MAX_VALUES_PER_FACET = 50


@dataclass(frozen=True)
class SortOption:
    key: str
    label: str
    order_by: tuple[str | OrderBy, ...]


SORT_OPTIONS: dict[str, SortOption] = {
    option.key: option
    for option in (
        SortOption("popular", "Most popular", (F("popularity").desc(), "article_id")),
        SortOption("newest", "Newest", (F("first_sold_on").desc(nulls_last=True), "article_id")),
        SortOption("price_asc", "Price: low to high", (F("price").asc(nulls_last=True), "article_id")),
        SortOption("price_desc", "Price: high to low", (F("price").desc(nulls_last=True), "article_id")),
    )
}
# Only meaningful with a text query: the search ranks by relevance (then popularity).
RELEVANCE = SortOption("relevance", "Best match", ())
DEFAULT_SORT = "popular"


class InvalidFilter(ValueError):
    """A query-string value that cannot be a filter; the message names the parameter."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


class QueryParams(Protocol):
    def getlist(self, key: str, default: list[str] | None = None) -> list[str]: ...


@dataclass(frozen=True)
class ArticleFilters:
    """The facet selections of one result page: facet param → selected codes (sorted)."""

    selected: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: QueryParams, facets: Sequence[Facet] = FACETS) -> ArticleFilters:
        selected: dict[str, tuple[int, ...]] = {}
        for facet in facets:
            raw_values = [value for value in params.getlist(facet.param) if value.strip()]
            if len(raw_values) > MAX_VALUES_PER_FACET:
                raise InvalidFilter(facet.param, f"at most {MAX_VALUES_PER_FACET} values may be selected")
            codes: set[int] = set()
            for raw in raw_values:
                try:
                    codes.add(int(raw))
                except ValueError:
                    raise InvalidFilter(
                        facet.param, f"{raw!r} is not a {facet.label.lower()} code (a whole number)"
                    ) from None
            if codes:
                selected[facet.param] = tuple(sorted(codes))
        return cls(selected)

    def q(self, *, except_param: str | None = None) -> Q:
        condition = Q()
        for param, codes in self.selected.items():
            if param != except_param:
                condition &= Q(**{f"{FACETS_BY_PARAM[param].code_field}__in": codes})
        return condition

    def is_selected(self, param: str, code: int) -> bool:
        return code in self.selected.get(param, ())

    def toggled(self, param: str, value_codes: Sequence[int]) -> ArticleFilters:
        """Select the value (all its codes) if none of them is selected, else deselect it."""
        codes = set(self.selected.get(param, ()))
        if codes.isdisjoint(value_codes):
            codes.update(value_codes)
        else:
            codes.difference_update(value_codes)
        selected = {key: value for key, value in self.selected.items() if key != param}
        if codes:
            selected[param] = tuple(sorted(codes))
        return replace(self, selected=selected)

    def without(self, param: str) -> ArticleFilters:
        return replace(self, selected={key: value for key, value in self.selected.items() if key != param})

    def as_query_items(self) -> list[tuple[str, str]]:
        return [(param, str(code)) for param, codes in sorted(self.selected.items()) for code in codes]

    def __bool__(self) -> bool:
        return bool(self.selected)


@dataclass(frozen=True)
class CategoryPath:
    """Where in the hierarchy a result page is (browse URLs); all None for the whole catalogue."""

    index_group_name: str | None = None
    section_name: str | None = None
    product_group_name: str | None = None

    def q(self) -> Q:
        condition = Q()
        if self.index_group_name:
            condition &= Q(index_group_name=self.index_group_name)
        if self.section_name:
            condition &= Q(section_name=self.section_name)
        if self.product_group_name:
            condition &= Q(product_group_name=self.product_group_name)
        return condition


@dataclass(frozen=True)
class FacetSelection:
    """A category path narrowed by facet filters: what one result page shows."""

    path: CategoryPath = field(default_factory=CategoryPath)
    filters: ArticleFilters = field(default_factory=ArticleFilters)

    def q(self) -> Q:
        return self.path.q() & self.filters.q()

    def without(self, param: str) -> FacetSelection:
        return replace(self, filters=self.filters.without(param))


def parse_sort(raw: str | None, *, allow_relevance: bool = False) -> SortOption:
    if not raw:
        return RELEVANCE if allow_relevance else SORT_OPTIONS[DEFAULT_SORT]
    if allow_relevance and raw == RELEVANCE.key:
        return RELEVANCE
    option = SORT_OPTIONS.get(raw)
    if option is None:
        choices = ([RELEVANCE.key] if allow_relevance else []) + list(SORT_OPTIONS)
        raise InvalidFilter("sort", f"{raw!r} is not a sort order; use one of {', '.join(choices)}")
    return option


def article_ordering(option: SortOption) -> tuple[str | OrderBy, ...]:
    return option.order_by or SORT_OPTIONS[DEFAULT_SORT].order_by
