"""Template context every page needs (the header's index-group navigation)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    # Filled by the storefront: index groups for the header, cached.
    return {}
