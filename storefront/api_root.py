"""/api/v1/ itself: what the API has, as links a person can click in a browser (the browsable API
makes every absolute address a link) and a client can read as JSON.

It used to be a JSON 404 that pointed to /api/docs/ as text, not as a link. The list is read from
the API's own URL patterns, so an endpoint added there is listed here without anyone remembering
to; its paths are written as the OpenAPI schema writes them (`{article_id}`, `{id}`).
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, URLResolver, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

API_PREFIX = "/api/v1/"
# The methods an endpoint documents; HEAD and OPTIONS every endpoint answers, and the schema omits.
DOCUMENTED_METHODS = ("get", "post", "put", "patch", "delete")
# `<article_id:article_id>` → `{article_id}`; drf-spectacular names a `pk` parameter `id`.
PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


class ApiEndpointSerializer(serializers.Serializer[dict[str, Any]]):
    path = serializers.CharField(help_text="As the OpenAPI schema writes it, with `{parameters}`.")
    methods = serializers.ListField(child=serializers.ChoiceField([m.upper() for m in DOCUMENTED_METHODS]))
    url = serializers.URLField(
        allow_null=True, help_text="The address to open; null where the path has parameters to fill in."
    )


class ApiRootSerializer(serializers.Serializer[dict[str, Any]]):
    docs = serializers.URLField(help_text="The interactive documentation of every endpoint.")
    schema = serializers.URLField(help_text="The OpenAPI schema.")
    endpoints = ApiEndpointSerializer(many=True)


def _walk(patterns: list[Any], prefix: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.extend(_walk(pattern.url_patterns, route))
        elif isinstance(pattern, URLPattern):
            found.append((route, pattern.callback))
    return found


def api_endpoints() -> list[dict[str, Any]]:
    """Every endpoint under /api/v1/ but this one: its path as the schema writes it, its methods."""
    from storefront.urls import api_v1  # the root URLs import this module

    endpoints = []
    for route, callback in _walk(api_v1, ""):
        view_class = getattr(callback, "cls", None)
        if not route or view_class is None:  # this root, or no API view
            continue
        path = API_PREFIX + PATH_PARAMETER.sub(lambda m: "{%s}" % ("id" if m[1] == "pk" else m[1]), route)
        methods = [method.upper() for method in DOCUMENTED_METHODS if hasattr(view_class, method)]
        endpoints.append({"path": path, "methods": methods})
    return sorted(endpoints, key=lambda endpoint: endpoint["path"])


class ApiRootView(APIView):
    """The API's endpoints, with links to its documentation and its OpenAPI schema."""

    @extend_schema(responses=ApiRootSerializer)
    def get(self, request: Request) -> Response:
        data = {
            "docs": request.build_absolute_uri(reverse("api-docs")),
            "schema": request.build_absolute_uri(reverse("api-schema")),
            "endpoints": [
                {**endpoint, "url": _address(request, endpoint["path"])} for endpoint in api_endpoints()
            ],
        }
        return Response(ApiRootSerializer(data).data)


def _address(request: Request, path: str) -> str | None:
    """The absolute address (a link in the browsable API), unless the path has parameters to fill."""
    return None if "{" in path else request.build_absolute_uri(path)
