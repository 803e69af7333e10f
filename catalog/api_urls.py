from django.urls import URLPattern, URLResolver, path

import catalog.converters  # noqa: F401  (registers the article_id converter)
from catalog import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("articles/", api.ArticleListView.as_view(), name="api-articles"),
    path("articles/<article_id:article_id>/", api.ArticleDetailView.as_view(), name="api-article"),
]
