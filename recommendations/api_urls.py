from django.urls import URLPattern, URLResolver, path

import catalog.converters  # noqa: F401  (registers the article_id converter)
from recommendations import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("search/", api.SearchView.as_view(), name="api-search"),
    path("search/image/", api.ImageSearchView.as_view(), name="api-search-image"),
    path("articles/<article_id:article_id>/similar/", api.SimilarArticlesView.as_view(), name="api-similar"),
]
