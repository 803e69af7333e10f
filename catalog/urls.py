from django.urls import URLPattern, URLResolver, path

import catalog.converters  # noqa: F401  (registers the article_id and category converters)
from catalog import views

app_name = "catalog"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("search/", views.search, name="search"),
    path("c/<category:group_slug>/", views.browse, name="browse"),
    path("c/<category:group_slug>/<category:section_slug>/", views.browse, name="browse-section"),
    path(
        "c/<category:group_slug>/<category:section_slug>/<category:product_group_slug>/",
        views.browse,
        name="browse-product-group",
    ),
    path("p/<slug:slug>-<article_id:article_id>/", views.product, name="product"),
    # The bare id (as printed on a tag) redirects to the canonical URL.
    path("p/<article_id:article_id>/", views.product, name="product-by-id"),
]
