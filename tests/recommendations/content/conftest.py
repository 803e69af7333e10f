"""A trained content model over a small photo catalogue: trained once per test session (the
`trained_content_files` fixture in tests/conftest.py), its rows made again and its files copied
for each test module."""

from __future__ import annotations

import copy
import shutil

import pytest

from recommendations import serving as model_serving
from recommendations.content import serving
from recommendations.content.artifact import load_content
from recommendations.content.models import ImageEmbedding
from recommendations.content.search import forget_memoised_matches
from tests.recommendations.content.catalogue import make_photo_catalogue, remove_photo_catalogue


@pytest.fixture(scope="module")
def trained_content(trained_content_files, django_db_blocker, tmp_path_factory):
    """(articles, ctx, metrics, artifact folder); the rows are removed again after the module.

    The rows are those the model was trained on, made again: the same ids and the photos written
    again, so the same fingerprints (a test elsewhere may have overwritten a photo file meanwhile),
    and the photo vectors the run stored."""
    trained = trained_content_files
    # Copies, as each module had its own run before: a test may change what it was given. The
    # artifact's files too (a few hundred kB): damage to a shared folder was found only when a
    # module ended, and then failed every later module.
    workdir = tmp_path_factory.mktemp("module-content-artifact")
    shutil.copytree(trained.workdir, workdir, dirs_exist_ok=True)
    ctx = copy.deepcopy(trained.ctx)
    ctx.workdir = workdir
    with django_db_blocker.unblock():
        articles = make_photo_catalogue(variants=2)
        try:
            trained.check_catalogue(articles)
            ImageEmbedding.objects.bulk_create(ImageEmbedding(**row) for row in trained.embeddings)
            yield articles, ctx, dict(trained.metrics), workdir
        finally:
            remove_photo_catalogue(articles)


@pytest.fixture
def trained(trained_content, monkeypatch):
    """The trained model served as the active content version (the rest of serving untouched)."""
    articles, ctx, metrics, workdir = trained_content
    model = load_content(workdir, {})
    real_active_model = model_serving.active_model
    monkeypatch.setattr(
        model_serving, "active_model", lambda kind: model if kind == "content" else real_active_model(kind)
    )
    forget_memoised_matches()
    yield articles, ctx, metrics, model
    forget_memoised_matches()


@pytest.fixture
def no_content_model(monkeypatch):
    monkeypatch.setattr(serving, "content_model", lambda: None)
