"""`/favicon.ico`: the site's icon for clients that ask for it by that name (feed readers, the API's
pages, browsers before they read a page's <link rel="icon">). It was a 404, logged as a warning
each time; a permanent redirect is cached by the client, so it asks once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe


@require_safe
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request, not at import: the hashed name comes from the collected manifest.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
