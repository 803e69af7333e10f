from django.urls import URLPattern, URLResolver, path

from recommendations import api_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("training-runs/", api_views.training_runs, name="training-run-list"),
    path("training-runs/<int:pk>/", api_views.training_run_detail, name="training-run-detail"),
    path("training-runs/<int:pk>/cancel/", api_views.training_run_cancel, name="training-run-cancel"),
    path("model-versions/", api_views.model_versions, name="model-version-list"),
    path("model-versions/serving/", api_views.serving_state, name="model-version-serving"),
    path(
        "model-versions/<int:pk>/activate/", api_views.model_version_activate, name="model-version-activate"
    ),
]
