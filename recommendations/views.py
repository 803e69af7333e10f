"""Shopper pages served by the recommendations app: "Shop the look" (search by photo)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from recommendations.content.photo_search_slots import PhotoSearchesBusy, search_uploaded_photo
from recommendations.content.selectors import (
    FILTER_LABELS,
    InvalidSearchFilter,
    filter_choices,
    parse_search_filters,
)
from recommendations.content.serving import SearchFilters, content_model
from recommendations.uploads import UploadRejected, check_request_size, photo_preview
from storefront.photo_checks import MAX_UPLOAD_PIXELS, megabytes
from storefront.throttles import throttled_page

TEMPLATE = "recommendations/shop_the_look.html"


def _context(filters: SearchFilters, **extra: Any) -> dict[str, Any]:
    choices = filter_choices()
    selected = filters.as_dict()
    return {
        "filters": [
            {"name": name, "label": label, "choices": choices[name], "selected": selected[name]}
            for name, label in FILTER_LABELS.items()
        ],
        "max_upload_size": megabytes(settings.MAX_UPLOAD_BYTES),
        "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
        "max_megapixels": MAX_UPLOAD_PIXELS // 1_000_000,
        "max_upload_pixels": MAX_UPLOAD_PIXELS,
        **extra,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # the token is still checked, by csrf_protect below, once the size is known
def shop_the_look(request: HttpRequest) -> HttpResponse:
    """The declared size is checked before anything reads the body. CsrfViewMiddleware would read
    it first, to find the form's token in request.POST: it spooled a body of any size to a
    temporary file before this view could refuse it. The middleware's own check then runs, as
    csrf_protect, on a body worth reading; an oversized one gets the page with its 413 and nothing
    else (no search, no throttle count)."""
    if request.method == "POST":
        try:
            check_request_size(request)
        except UploadRejected as error:
            context = _context(SearchFilters(), error=error.message, available=True)
            return render(request, TEMPLATE, context, status=error.status)
    return _shop_the_look(request)


@csrf_protect
def _shop_the_look(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, TEMPLATE, _context(SearchFilters(), available=content_model() is not None))
    throttled = throttled_page(
        request,
        lambda message: render(request, TEMPLATE, _context(SearchFilters(), error=message, available=True)),
    )
    if throttled is not None:
        return throttled
    filters = SearchFilters()
    try:
        # Reads the whole upload: a slow one holds a thread, but no photo search slot.
        filters = parse_search_filters(request.POST)
        searched = search_uploaded_photo(request, filters)
    except (UploadRejected, InvalidSearchFilter, PhotoSearchesBusy) as error:
        context = _context(filters, error=error.message, available=True)
        response = render(request, TEMPLATE, context, status=error.status)
        if isinstance(error, PhotoSearchesBusy):
            response["Retry-After"] = str(error.retry_after)
        return response
    context = _context(
        filters,
        results=searched.results,
        searched=True,
        available=searched.available,
        preview=photo_preview(searched.photo),
    )
    return render(request, TEMPLATE, context)
