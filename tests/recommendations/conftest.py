"""Fixtures for the model backbone: a private artifact folder, the dummy kind, fresh serving state."""

from __future__ import annotations

import contextlib

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError

from recommendations import serving
from recommendations.registry import register_kind, unregister_kind
from tests.recommendations import dummy_kind


@pytest.fixture(autouse=True)
def artifacts_root(settings, tmp_path):
    settings.ARTIFACTS_ROOT = tmp_path / "artifacts"
    return settings.ARTIFACTS_ROOT


@pytest.fixture(autouse=True)
def fresh_serving_state():
    """Each test starts with no model loaded and no version announced in the cache."""

    def forget() -> None:
        serving.reset()
        with contextlib.suppress(ConnectionError):  # a test may have pointed the cache at a dead Redis
            cache.delete_many(
                [serving.active_version_cache_key(name) for name in ("trending", dummy_kind.KIND_NAME)]
            )

    forget()
    yield
    forget()


@pytest.fixture
def dummy_kind_registered():
    register_kind(dummy_kind.KIND)
    yield dummy_kind.KIND
    unregister_kind(dummy_kind.KIND_NAME)


@pytest.fixture
def dispatched(monkeypatch):
    """Record the runs handed to the queue instead of sending them (tests run the steps themselves)."""
    sent: list[int] = []
    monkeypatch.setattr("recommendations.training._enqueue", sent.append)
    return sent
