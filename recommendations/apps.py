from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every process (web, worker, command) knows every model kind from the start.
        from recommendations.registry import load_kind_modules

        load_kind_modules()
