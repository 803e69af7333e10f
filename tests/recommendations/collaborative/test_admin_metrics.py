import datetime as dt

import pytest
from django.utils import timezone

from recommendations.collaborative.admin_chart import map12_chart, map12_table
from recommendations.models import TrainingRun

pytestmark = pytest.mark.django_db

METRICS = {
    "map12_popular_last_week": 0.05,
    "map12_trending": 0.06,
    "map12_buy_again": 0.18,
    "map12_als": 0.2,
    "map12_blend": 0.25,
    "ann_recall12": 0.98,
}


def _run(blend, days_ago, kind="collaborative"):
    finished = timezone.now() - dt.timedelta(days=days_ago)
    return TrainingRun.objects.create(
        kind=kind,
        status="succeeded",
        progress=100,
        metrics={**METRICS, "map12_blend": blend},
        started_at=finished - dt.timedelta(minutes=3),
        finished_at=finished,
    )


def test_the_run_list_charts_map12_across_collaborative_runs(admin_client):
    older, newer = _run(0.21, days_ago=2), _run(0.25, days_ago=1)
    TrainingRun.objects.create(kind="trending", status="succeeded", metrics={"articles_ranked": 3.0})

    page = admin_client.get("/admin/recommendations/trainingrun/").content.decode()

    chart = page[page.index('<figure class="map12-chart"') : page.index("</figure>")]
    assert chart.count("<polyline") == 5  # one line per recommender
    assert chart.index(f"#{older.pk}<") < chart.index(f"#{newer.pk}<")  # oldest on the left
    assert f"Run #{newer.pk}: Blend (For you) 0.2500" in chart
    assert "0.2500" in page  # the blend's MAP@12 is a column of the list too


def test_a_runs_page_tabulates_its_map12_and_the_blends_lift(admin_client):
    run = _run(0.25, days_ago=1)

    page = admin_client.get(f"/admin/recommendations/trainingrun/{run.pk}/change/").content.decode()

    assert "<th>Buy again</th><td>0.1800</td>" in page
    assert "blend vs best baseline: 1.25x" in page


def test_no_chart_without_evaluated_runs():
    assert map12_chart([(1, {"articles_ranked": 3.0})]) == ""
    assert map12_table({}) == "—"
