"""The Celery app and its thin tasks."""

from workers.celery import app as celery_app

__all__ = ["celery_app"]
