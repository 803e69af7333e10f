import contextlib

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError

from recommendations.collaborative import artifact
from recommendations.collaborative.training import train
from tests.recommendations.collaborative.planted import store, two_taste_log

SMALL = {"factors": 4, "regularization": 0.5, "iterations": 6, "alpha": 1.0, "use_gpu": False}


def group_of(article_id):
    return "Ladieswear" if article_id < 2000 else "Menswear"


def product_code_of(article_id):
    # Articles 2n and 2n+1 are two colours of one product.
    return article_id // 2


class FakeContext:
    """Stands in for the registry's TrainingContext."""

    def __init__(self, workdir, **parameters):
        self.workdir = workdir
        self.parameters = parameters
        self.reports = []
        self.cancel_checks = 0

    def progress(self, percent, message=""):
        self.reports.append((percent, message))

    def check_cancelled(self):
        self.cancel_checks += 1


@pytest.fixture
def planted_shop(db):
    """Two tastes (odd customer pks buy Menswear 2000-2019, even ones Ladieswear 1000-1019), stored."""
    log, taste_of = two_taste_log()
    store(log, product_code_of=product_code_of, group_of=group_of)
    return log, taste_of


@pytest.fixture
def trained_model(planted_shop, tmp_path, monkeypatch):
    """A model trained on the planted shop and served as the active collaborative model."""
    train(FakeContext(tmp_path, **SMALL))
    model = artifact.load(tmp_path)
    monkeypatch.setattr(
        "recommendations.collaborative.active.active_collaborative_model", lambda: model, raising=True
    )
    return model


@pytest.fixture(autouse=True)
def forget_the_collaborative_announcement():
    """No active collaborative version announced in the (shared) cache from an earlier test."""
    from recommendations import serving

    def forget():
        with contextlib.suppress(ConnectionError):
            cache.delete(serving.active_version_cache_key("collaborative"))

    forget()
    yield
    forget()
