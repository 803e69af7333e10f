import datetime as dt
import re
from xml.etree import ElementTree

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
    # 0.25 / 0.18 (buy again): ALS alone scores higher (0.2) but is no baseline of the quality gate.
    assert "blend vs best simple baseline: 1.39x" in page


def test_no_chart_without_evaluated_runs():
    assert map12_chart([(1, {"articles_ranked": 3.0})]) == ""
    assert map12_table({}) == "—"


ALL_SERIES = {
    "map12_blend": 0.25,
    "map12_als": 0.2,
    "map12_als_popular": 0.21,
    "map12_buy_again": 0.18,
    "map12_buy_again_popular": 0.19,
    "map12_trending": 0.06,
    "map12_popular_last_week": 0.05,
}
SVG = "{http://www.w3.org/2000/svg}"


def _svg(chart):
    markup = chart[chart.index("<svg") : chart.index("</svg>") + len("</svg>")]
    return ElementTree.fromstring(markup)  # noqa: S314 (the chart's own markup, built in the test)


def _shape(element):
    """A point marker's shape, wherever it is drawn: its tag and its geometry relative to itself."""
    tag = element.tag.removeprefix(SVG)
    if tag == "circle":
        return (tag, element.get("r"))
    if tag == "rect":
        return (tag, element.get("width"), element.get("height"))
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", element.get("points") or element.get("d"))]
    origin = numbers[0], numbers[1]
    relative = tuple(round(n - origin[i % 2], 1) for i, n in enumerate(numbers))
    return (tag, tuple(re.findall(r"[A-Za-z]", element.get("d") or "")), relative)


def test_the_chart_tells_its_lines_apart_without_colour():
    """WCAG 1.4.1: every line has its own dash pattern and point shape, and the legend shows both."""
    runs = [(1, ALL_SERIES), (2, {name: value + 0.01 for name, value in ALL_SERIES.items()})]
    svg = _svg(map12_chart(runs))

    dashes = [line.get("stroke-dasharray", "solid") for line in svg.iter(f"{SVG}polyline")]
    assert len(dashes) == len(ALL_SERIES)
    assert len(set(dashes)) == len(ALL_SERIES)

    shapes = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == "map12-legend":
            continue
        marker = next(child for child in group if child.tag != f"{SVG}title")
        shapes.setdefault(group.get("data-series"), set()).add(_shape(marker))
    assert set(shapes) == set(ALL_SERIES)
    assert all(len(drawn) == 1 for drawn in shapes.values())  # one shape per line, at every run
    assert len({next(iter(drawn)) for drawn in shapes.values()}) == len(ALL_SERIES)

    lines = {line.get("stroke"): line.get("stroke-dasharray", "solid") for line in svg.iter(f"{SVG}polyline")}
    for legend in (group for group in svg.iter(f"{SVG}g") if group.get("class") == "map12-legend"):
        sample = legend.find(f"{SVG}line")
        assert sample.get("stroke-dasharray", "solid") == lines[sample.get("stroke")]
        marker = next(child for child in legend if child.tag.removeprefix(SVG) not in ("line", "text"))
        assert _shape(marker) == next(iter(shapes[legend.get("data-series")]))


def test_the_chart_gives_its_values_as_a_table():
    chart = map12_chart([(7, ALL_SERIES), (9, {"map12_blend": 0.3})])

    table = chart[chart.index("<table") : chart.index("</table>")]
    assert '<th scope="col">Buy again, then popular</th>' in table
    rows = re.findall(r"<tr><th scope=\"row\">(#\d+)</th>(.*?)</tr>", table)
    assert [run for run, _ in rows] == ["#7", "#9"]
    assert re.findall(r"<td>(.*?)</td>", rows[0][1]) == [f"{value:.4f}" for value in ALL_SERIES.values()]
    assert re.findall(r"<td>(.*?)</td>", rows[1][1]) == ["0.3000"] + ["—"] * 6
