"""The API's page numbers: DRF's, with refusals that name the `page` or `page_size` parameter and a
schema that says the allowed values and that `next` and `previous` are always there (null at the
ends)."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

ALWAYS_PRESENT = ["count", "next", "previous", "results"]


class PageNumberPagination(pagination.PageNumberPagination):
    # DRF answers 404 for a page that is not a whole number, below 1 or past the last page; its own
    # "Invalid page." did not say which parameter was wrong. {message} is Django's reason.
    invalid_page_message = "No page {page_number!r} (the `page` parameter, from 1): {message}."
    page_query_description = "Page number, from 1 (default 1); past the last page is a 404."

    def get_page_size(self, request: Request) -> int | None:
        """The asked size, at most the maximum. DRF read a size that is no whole number, or below 1,
        as no size at all and answered a page of the default size without a word."""
        param = self.page_size_query_param
        raw = request.query_params.get(param) if param else None
        if param is None or raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {param: [f"Ask for 1 to {self.max_page_size} results a page, not {raw!r}."]}
            )
        return min(size, self.max_page_size) if self.max_page_size else size

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = list(ALWAYS_PRESENT)
        return paginated

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Results per page, 1-{self.max_page_size} (default {self.page_size}); "
                    "a larger size is cut to the maximum."
                )
        return parameters
