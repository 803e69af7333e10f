"""Root URLs. Each app owns its page URLs (`<app>/urls.py`) and API URLs (`<app>/api_urls.py`)."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import admin_login, admin_password_change
from catalog.article_ids import ARTICLE_ID_TERM
from storefront.api_errors import api_bad_article_id, api_not_found
from storefront.api_root import ApiRootView
from storefront.favicon import favicon
from storefront.readiness import readyz

handler400 = "storefront.api_errors.bad_request"
handler500 = "storefront.api_errors.server_error"

api_v1: list[URLPattern | URLResolver] = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("catalog.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("recommendations.api_urls")),
]

urlpatterns = [
    path("readyz", readyz, name="readyz"),
    path("favicon.ico", favicon),
    # Before admin.site.urls, which serves the same address without the login limits.
    path("admin/password_change/", admin.site.admin_view(admin_password_change)),
    # Before admin.site.urls too: `next` only as a path on this site, as the shop's login takes it.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), which the
    # Content-Security-Policy (storefront/content_security.py) lets run; the plain view inlines it.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # After every real route: an article id that is not 1-10 digits (`abc`, an 11-digit number).
    re_path(rf"^api/v1/articles/(?P<article_id>(?!{ARTICLE_ID_TERM.pattern}/)[^/]+)/", api_bad_article_id),
    # `(?s:.*)`: a plain `.` stops at a line break, so an address with %0A in it fell through to the
    # shop's HTML 404 page (found by schemathesis).
    re_path(r"^api/(?P<unmatched>(?s:.*))$", api_not_found),
    path("accounts/", include("accounts.urls")),
    path("", include("recommendations.urls")),
    path("", include("catalog.urls")),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
