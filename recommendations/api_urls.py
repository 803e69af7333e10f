from django.urls import URLPattern, URLResolver, path

import catalog.converters  # noqa: F401  (registers the article_id converter)
from recommendations.api import personal, search, training_runs

urlpatterns: list[URLPattern | URLResolver] = [
    path("training-runs/", training_runs.training_runs, name="training-run-list"),
    path("training-runs/<int:pk>/", training_runs.training_run_detail, name="training-run-detail"),
    path("training-runs/<int:pk>/cancel/", training_runs.training_run_cancel, name="training-run-cancel"),
    path("model-versions/", training_runs.model_versions, name="model-version-list"),
    path("model-versions/serving/", training_runs.serving_state, name="model-version-serving"),
    path(
        "model-versions/<int:pk>/activate/",
        training_runs.model_version_activate,
        name="model-version-activate",
    ),
    path("me/recommendations/", personal.MyRecommendationsView.as_view(), name="api-my-recommendations"),
    path(
        "customers/<str:customer_id>/recommendations/",
        personal.CustomerRecommendationsView.as_view(),
        name="api-customer-recommendations",
    ),
    path(
        "articles/<article_id:article_id>/also-bought/",
        personal.AlsoBoughtView.as_view(),
        name="api-also-bought",
    ),
    path("search/", search.SearchView.as_view(), name="api-search"),
    path("search/image/", search.ImageSearchView.as_view(), name="api-search-image"),
    path(
        "articles/<article_id:article_id>/similar/",
        search.SimilarArticlesView.as_view(),
        name="api-similar",
    ),
]
