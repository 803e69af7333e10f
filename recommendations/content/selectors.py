"""Reads the content features need from the catalogue: filter choices and their validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog.categories import category_slug
from catalog.selectors import cached_in_generation
from recommendations.content.catalogue import photographed
from recommendations.content.serving import SearchFilters

# Facet filter → Article field. The same three filters on the page, in the API, and in the index.
FILTER_FIELDS = {
    "index_group": "index_group_name",
    "product_type": "product_type_name",
    "colour": "colour_group_name",
}
FILTER_LABELS = {"index_group": "Department", "product_type": "Product type", "colour": "Colour"}
# The catalogue changes with an import, at most daily; ten minutes stale is harmless.
CHOICES_CACHE_SECONDS = 10 * 60
CHOICES_CACHE_KEY = "content:filter-choices:v2"


class InvalidSearchFilter(ValueError):
    """A filter value no photographed article on sale has. `message` is for the page, whose select
    lists the values; `api_message` lists them itself."""

    status = 400

    def __init__(self, field: str, problem: str, accepted: list[str]) -> None:
        self.field = field
        self.message = f"{problem} Leave it empty or pick one from the list."
        self.api_message = f"{problem} Use one of: {', '.join(accepted) or 'none'} (or leave it empty)."
        super().__init__(self.message)


def filter_choices() -> dict[str, list[str]]:
    """Every value each filter can take, sorted, for the page's selects and for validation.

    Only values a photo search can return: those of articles on sale (results leave the others
    out) that have a photo (the only ones the content model holds). A colour that only off-sale
    articles have would always find nothing. Cached until the catalogue changes (an import, staff
    taking articles off sale or editing them start a new catalogue generation).
    """
    return cached_in_generation(CHOICES_CACHE_KEY, CHOICES_CACHE_SECONDS, _searchable_values)


def _searchable_values() -> dict[str, list[str]]:
    searchable = photographed().browsable().order_by()
    return {
        name: sorted(value for value in searchable.values_list(field, flat=True).distinct() if value)
        for name, field in FILTER_FIELDS.items()
    }


def parse_search_filters(data: Mapping[str, Any]) -> SearchFilters:
    """SearchFilters from form fields; an unknown value is refused with the field named.

    A value is a name as the catalogue writes it ("Ladieswear"), in any case, or its slug as the
    category URLs and the articles API take it ("ladieswear", "baby-children").
    """
    choices = filter_choices()
    values: dict[str, str] = {}
    for name in FILTER_FIELDS:
        value = str(data.get(name) or "").strip()
        if value and value not in choices[name]:
            value = {category_slug(choice): choice for choice in choices[name]}.get(category_slug(value), "")
            if not value:
                label = FILTER_LABELS[name].lower()
                raise InvalidSearchFilter(name, f"Unknown {label} “{data.get(name)}”.", choices[name])
        values[name] = value
    return SearchFilters(**values)
