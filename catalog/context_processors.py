"""Template context every page needs (the header's index-group navigation)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from catalog.categories import category_tree


def navigation(request: HttpRequest) -> dict[str, Any]:
    # Lazy: a page that never renders the header (an API response, a redirect) costs nothing;
    # the tree itself is cached (catalog.categories).
    return {"index_groups": SimpleLazyObject(lambda: list(category_tree().values()))}
