import numpy as np
import pytest

from recommendations.collaborative import artifact
from recommendations.collaborative.training import TrainingError, train
from tests.recommendations.collaborative.conftest import SMALL, FakeContext
from tests.recommendations.collaborative.planted import store, two_taste_log

METRIC_NAMES = {
    "map12_popular_last_week",
    "map12_trending",
    "map12_buy_again",
    "map12_als",
    "map12_blend",
    "ann_recall12",
    "ann_speedup",
}


@pytest.mark.django_db
def test_a_run_records_every_metric_and_writes_a_loadable_artifact(tmp_path):
    log, taste_of = two_taste_log()
    store(log)
    context = FakeContext(tmp_path, **SMALL)

    metrics = train(context)

    assert set(metrics) >= METRIC_NAMES
    assert metrics["ann_recall12"] >= 0.95 and metrics["purchases"] == len(log)
    percents = [percent for percent, _ in context.reports]
    # 100% is training_run_finish's to report, as it publishes: a run cancelled before that
    # shows where it stopped.
    assert percents == sorted(percents) and percents[-1] < 100
    assert any("ALS iteration 6/6" in message for _, message in context.reports)
    assert context.cancel_checks >= 5

    model = artifact.load(tmp_path)
    assert len(model.customer_map) == len(taste_of) and model.article_factors.shape[1] == 4
    customer = 2
    vector = model.customer_vector(customer, [], [])
    assert vector is not None and np.any(vector)
    # The published model still knows the planted tastes: even customers' best match is taste 0.
    best = model.catalogue.article_ids[model.als_candidates(vector, 1)[0]]
    assert best // 1000 == 1


@pytest.mark.django_db
def test_a_run_without_purchases_says_what_is_missing(tmp_path):
    with pytest.raises(TrainingError, match="no purchases"):
        train(FakeContext(tmp_path))


def test_a_folder_without_the_files_does_not_load(tmp_path):
    with pytest.raises(artifact.ArtifactError):
        artifact.load(tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize("damage", ["format_version", "missing_index", "short_factors"])
def test_a_damaged_artifact_refuses_to_load(tmp_path, damage):
    import json

    store(two_taste_log()[0])
    train(FakeContext(tmp_path, **SMALL))
    if damage == "format_version":
        metadata = json.loads((tmp_path / "collaborative.json").read_text())
        (tmp_path / "collaborative.json").write_text(json.dumps({**metadata, "format_version": 99}))
    elif damage == "missing_index":
        (tmp_path / "articles_ip.hnsw").unlink()
    else:
        np.save(tmp_path / "customer_factors.npy", np.zeros((3, 4), np.float32))

    with pytest.raises(artifact.ArtifactError):
        artifact.load(tmp_path)
