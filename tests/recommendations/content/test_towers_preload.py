"""A web server's arbiter loads the towers of the encoder the active content version was built
with (encoder_towers_preload, called from gunicorn.conf.py), which may not be CONTENT_ENCODER's."""

import json
import logging

import pytest
from django.db import DatabaseError

from recommendations.content.artifact import CONTENT_FILE
from recommendations.content.serving import encoder_towers_preload
from recommendations.encoders.clip import clip_towers
from recommendations.models import ModelVersion
from tests.recommendations.encoders.tiny_clip import save_tiny_clip


@pytest.fixture
def tiny_clip(tmp_path):
    return save_tiny_clip(tmp_path / "tiny-clip")


def activate_version_built_with(backend: str, *, encoder: str, root) -> None:
    folder = root / "content" / "v0001"
    folder.mkdir(parents=True)
    # Only the description: the arbiter reads which encoder built the version, not its vectors.
    (folder / CONTENT_FILE).write_text(json.dumps({"backend": backend, "encoder": encoder}))
    ModelVersion.objects.create(
        kind="content", version=1, path="content/v0001", format_version=1, is_active=True
    )


@pytest.mark.django_db
def test_it_loads_the_active_versions_encoder_not_the_configured_one(settings, tmp_path, tiny_clip):
    settings.ARTIFACTS_ROOT = tmp_path / "artifacts"
    settings.CONTENT_ENCODER = "bundled"
    settings.CLIP_MODEL = str(tiny_clip)
    activate_version_built_with("clip", encoder=f"clip:{tiny_clip}", root=settings.ARTIFACTS_ROOT)
    clip_towers.cache_clear()

    encoder_towers_preload()

    assert clip_towers.cache_info().currsize == 1


@pytest.mark.django_db
def test_it_names_the_error_when_the_database_does_not_answer(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused\n\tIs the server running?")

    monkeypatch.setattr(ModelVersion.objects, "active", refuse)
    with caplog.at_level(logging.WARNING, logger="recommendations.content.serving"):
        encoder_towers_preload()
    assert "(DatabaseError: connection refused Is the server running?)" in caplog.text
