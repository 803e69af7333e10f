"""A trained content model over a small photo catalogue, once per test module (a few seconds)."""

from __future__ import annotations

import pytest

from catalog.models import Article
from recommendations import serving as model_serving
from recommendations.content import serving
from recommendations.content.artifact import load_content
from recommendations.content.models import ImageEmbedding
from recommendations.content.search import forget_memoised_matches
from recommendations.content.training import train
from tests.recommendations.content.catalogue import FakeTrainingContext, make_photo_catalogue


@pytest.fixture(scope="module")
def trained_content(django_db_setup, django_db_blocker, tmp_path_factory):
    """(articles, ctx, metrics, artifact folder); the rows are removed again after the module."""
    workdir = tmp_path_factory.mktemp("content-artifact")
    with django_db_blocker.unblock():
        articles = make_photo_catalogue(variants=2)
        try:
            ctx = FakeTrainingContext(workdir=workdir)
            ctx.parameters.update(epochs=30, holdout_fraction=0.35)
            metrics = train(ctx)
            yield articles, ctx, metrics, workdir
        finally:
            Article.objects.filter(article_id__in=[article.article_id for article in articles]).delete()
            ImageEmbedding.objects.all().delete()


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
