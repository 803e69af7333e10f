"""The Content-Security-Policy header on every response.

Every page runs only script files served by the shop itself (no inline script, no `javascript:`
address, no other origin), so text that slips past template escaping still cannot run. Styles may
be inline: the colour swatches, the facet dots and the admin's progress bars set `style`
attributes, and a style cannot run script. Photos chosen for "Shop the look" are previewed from
`blob:` addresses; Swagger UI draws its icons from `data:` addresses.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicy:
    """Middleware: sets the policy on responses that have none of their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault(HEADER, POLICY)
        return response
