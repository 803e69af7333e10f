"""The schema's error answers, documented once for every endpoint that can give them.

Every error body the shop writes is one of two shapes: `Detail` (`{"detail": "..."}`: 401, 403, 404,
406, 409, 415, 429, 500, 503, and a 400 for an address with a NUL character) or `ValidationErrors`
(`{"<parameter or field>": ["what is wrong", ...]}`: a 400 naming each bad parameter or field).
drf-spectacular documents only the success answers it can see; this AutoSchema adds the errors a
view's permissions, throttles, path parameters and pagination make possible, and gives a body to
errors a view documented with a description only. An error a view documents with its own body keeps
it. Every operation also documents the web server's own refusals (414, 431), which are HTML pages.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import inline_serializer
from gunicorn.config import LimitRequestFields, LimitRequestFieldSize, LimitRequestLine
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated

Detail = inline_serializer(
    "Detail", {"detail": serializers.CharField(help_text="What went wrong, and what to do about it.")}
)
VALIDATION_ERRORS = ResolvedComponent(
    name="ValidationErrors",
    type=ResolvedComponent.SCHEMA,
    object="ValidationErrors",
    schema={
        "type": "object",
        "description": "Each bad query parameter or body field, with what is wrong with it.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "minProperties": 1,
        "example": {"k": ["Ask for between 1 and 48, not 100."]},
    },
)
DESCRIPTIONS = {
    "400": "A query parameter or field is invalid (each is named), or the address holds a NUL character.",
    "401": "Not logged in: send `Authorization: Token <key>` (POST /api/v1/auth/token/) or a session.",
    "403": "Logged in without the permission this needs (staff endpoints name it), or a session "
    "request that changes something without its CSRF token.",
    "404": "No such object, or no such page of a list.",
    "406": "The `Accept` header names no media type this API answers in: send `Accept: application/json` "
    "or no `Accept` header.",
    "415": "The body is not in one of the media types this operation documents (`Content-Type`).",
    "429": "Too many requests: the `Retry-After` header says how many seconds to wait.",
}
# What the web server refuses before the shop sees the request, as its own short HTML page (gunicorn
# with its default limits, which gunicorn.conf.py leaves alone). The schema said nothing of them, so
# a client built from it read a long search's 414 as an unknown answer (found by schemathesis).
WEB_SERVER_REFUSALS = {
    "414": f"The request line (method, address with its query, protocol) is longer than the web server "
    f"reads, {LimitRequestLine.default} bytes; it answers this itself, as an HTML page. Ask for fewer "
    "filter values at once.",
    "431": f"A request header is longer than the web server reads, {LimitRequestFieldSize.default} bytes, "
    f"or there are more than {LimitRequestFields.default} of them; it answers this itself, as an HTML page.",
}
WEB_SERVER_PAGE = {"text/html": {"schema": {"type": "string"}}}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        """The operation, with DRF's 415 where it takes a body: a body its parsers cannot read (sent
        as text/plain, or JSON to a form upload) is refused before the view sees it."""
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and "requestBody" in operation:
            operation["responses"].setdefault(
                "415", {**self._error_response("415"), "description": DESCRIPTIONS["415"]}
            )
        return operation

    def _get_request_body(self, direction: str = "request") -> dict[str, Any] | None:
        """drf-spectacular documents the bodies of PUT, PATCH and POST only, but DELETE
        /api/v1/me/ reads the password from its body: without this a client built from the schema
        could not send it. A DELETE is documented as a POST would be."""
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def _get_parameters(self) -> list[dict[str, Any]]:
        """Every optional query parameter may be sent empty and is then read as left out
        (storefront.query_params): `allowEmptyValue` says so, so that a client built from the schema
        may pass on the empty fields of a form. A required one sent empty is a 400, as when absent."""
        parameters = list(super()._get_parameters())
        for parameter in parameters:
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = dict(super()._get_response_bodies(direction))
        for code in self._error_codes():
            responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                responses[code] = {**self._error_response(code), "description": response["description"]}
        for code, description in WEB_SERVER_REFUSALS.items():
            responses.setdefault(code, {"description": description, "content": WEB_SERVER_PAGE})
        return responses

    def _error_codes(self) -> list[str]:
        """The error statuses this operation can answer, from what the view is made of."""
        permissions = getattr(self.view, "permission_classes", [])
        restricted = [p for p in permissions if not issubclass(p, AllowAny)]
        needs_more_than_login = [p for p in restricted if not issubclass(p, IsAuthenticated)]
        checks_csrf = self.method not in SAFE_METHODS and any(
            issubclass(a, SessionAuthentication) for a in getattr(self.view, "authentication_classes", [])
        )
        # Lists paginated by the view, or by hand in a function view that documents `page`.
        paginated = (self._is_list_view() and self._get_paginator() is not None) or any(
            getattr(parameter, "name", None) == "page" for parameter in self.get_override_parameters()
        )
        codes = {
            "400": True,  # every address may hold a NUL character (storefront.api_errors)
            "401": bool(restricted),
            "403": bool(needs_more_than_login) or checks_csrf,
            "404": "{" in self.path or paginated,
            "406": True,  # DRF negotiates the answer's media type before anything else
            "429": bool(getattr(self.view, "throttle_classes", [])),
        }
        return [code for code, possible in codes.items() if possible]

    def _error_response(self, code: str) -> dict[str, Any]:
        if code != "400":
            return dict(self._get_response_for_code(Detail, code))
        self.registry.register_on_missing(VALIDATION_ERRORS)
        detail = self._get_response_for_code(Detail, code)["content"]["application/json"]["schema"]
        return {"content": {"application/json": {"schema": {"oneOf": [VALIDATION_ERRORS.ref, detail]}}}}
