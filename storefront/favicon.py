"""`/favicon.ico`: the site's icon for clients that ask for it by that name (feed readers, the API's
pages, browsers before they read a page's <link rel="icon">). It was a 404, logged as a warning
each time.

A temporary redirect, cached for a day: a permanent one is kept by the client for good, and it
would go on asking for the hashed name of an icon that a later deploy has replaced and removed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

# Long enough that a browser asks about once a day, short enough that a new icon reaches it soon.
REDIRECT_MAX_AGE_SECONDS = 24 * 60 * 60


@require_safe
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    # Resolved per request, not at import: the hashed name comes from the collected manifest.
    response = HttpResponseRedirect(static("img/favicon.svg"))
    # The same for everyone, so shared caches may keep it too.
    patch_cache_control(response, public=True, max_age=REDIRECT_MAX_AGE_SECONDS)
    return response
