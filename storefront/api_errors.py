"""JSON answers for API paths that match no endpoint (Django's own 404 page is HTML)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def api_not_found(request: HttpRequest, unmatched: str = "") -> JsonResponse:
    return JsonResponse(
        {"detail": f"No API endpoint at {request.path}. The endpoints are listed at /api/docs/."},
        status=404,
    )
