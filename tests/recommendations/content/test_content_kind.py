"""The content kind through the real backbone: plan, chunks, finish, publish, serve, then reuse."""

import pytest

from recommendations import serving
from recommendations.content.artifact import ContentModel
from recommendations.content.search import forget_memoised_matches
from recommendations.models import TrainingRun
from recommendations.training import training_run_execute_in_process, training_run_request
from tests.recommendations.content.catalogue import make_photo_catalogue

pytestmark = pytest.mark.django_db(transaction=True)


def run_content(**parameters) -> TrainingRun:
    run = training_run_request(kind_name="content", parameters=parameters, dispatch=False)
    training_run_execute_in_process(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_a_content_run_publishes_a_served_model_and_the_next_run_reuses_every_photo(dispatched):
    articles = make_photo_catalogue(variants=1)
    first = run_content(epochs=5, holdout_fraction=0.35)
    assert first.status == "succeeded", first.error
    assert first.chunks_total == 1
    assert first.metrics["articles_indexed"] == len(articles)
    assert "ann_recall10" in first.metrics
    serving.reset()
    forget_memoised_matches()
    model = serving.active_model("content")
    assert isinstance(model, ContentModel)
    assert len(model.article_ids) == len(articles)

    second = run_content(epochs=5, holdout_fraction=0.35)
    assert second.status == "succeeded", second.error
    # Every photo's vector came from the cache: nothing to fan out, nothing embedded at the end.
    assert second.chunks_total == 0
    assert second.metrics["photos_embedded_in_finishing_step"] == 0
