"""The API's page numbers: DRF's, with refusals that name the `page` or `page_size` parameter and a
schema that says the allowed values and that `next` and `previous` are always there (null at the
ends)."""

from __future__ import annotations

import copy
from typing import Any

from django.core.paginator import Paginator
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from storefront.query_params import query_value, query_whole_number

ALWAYS_PRESENT = ["count", "next", "previous", "results"]
# `page`: a number from 1, or `last` (DRF's last_page_strings), which the schema typed as an integer
# only: a client built from it could not ask for the last page, which the API answers.
PAGE_SCHEMA = {
    "oneOf": [
        {"type": "integer", "minimum": 1},
        {"type": "string", "enum": list(pagination.PageNumberPagination.last_page_strings)},
    ]
}


class PageNumberPagination(pagination.PageNumberPagination):
    # DRF answers 404 for a page that is not a whole number, below 1 or past the last page; its own
    # "Invalid page." did not say which parameter was wrong. {message} is Django's reason.
    invalid_page_message = "No page {page_number!r} (the `page` parameter, from 1): {message}."
    page_query_description = (
        "Page number, from 1 (default 1; an empty or blank value is 1), or `last` for the last page. "
        "A page that is not a whole number, below 1 or past the last page is a 404 naming `page`, as "
        "in DRF; `next` and `previous` link only to pages that exist."
    )

    def get_page_size(self, request: Request) -> int | None:
        """The asked size, from 1 to the maximum; a 400 naming `page_size` and the range otherwise.
        DRF read a size that is no whole number, or below 1, as no size at all, and one above the
        maximum as the maximum, and answered without a word: a client asking 500 a page then
        counted 100 and missed the rest, though the schema says the maximum."""
        param = self.page_size_query_param
        if param is None or self.page_size is None:
            return self.page_size
        assert self.max_page_size is not None, "a page_size parameter needs a max_page_size"
        return query_whole_number(
            request.query_params, param, default=self.page_size, minimum=1, maximum=self.max_page_size
        )

    def get_page_number(self, request: Request, paginator: Paginator) -> int | str:
        """As DRF's, but a blank value (`?page=%20`) is page 1 like an empty one: every other
        parameter reads a blank as left out (storefront.query_params); DRF's was a 404."""
        number = query_value(request.query_params, self.page_query_param) or 1
        return paginator.num_pages if number in self.last_page_strings else number

    def get_next_link(self) -> str | None:
        return self._with_used_page_size(super().get_next_link())

    def get_previous_link(self) -> str | None:
        return self._with_used_page_size(super().get_previous_link())

    def _with_used_page_size(self, link: str | None) -> str | None:
        """The link with the size this page was cut to, not the client's spelling of it (`02`, ` 5`,
        an empty value): the link repeats the request's address, and must ask for what was used."""
        param, request, page = self.page_size_query_param, self.request, self.page
        if link is None or param is None or request is None or page is None:
            return link
        if param not in request.query_params:
            return link
        return replace_query_param(link, param, page.paginator.per_page)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = list(ALWAYS_PRESENT)
        return paginated

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = copy.deepcopy(PAGE_SCHEMA)
                parameter["description"] = self.page_query_description
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
                parameter["description"] = (
                    f"Results per page, 1-{self.max_page_size} (default {self.page_size}; empty is the "
                    "default). Any other size is a 400 naming `page_size`: it is never cut to fit."
                )
        return parameters
