"""Held-out MAP@12 in the admin: a table per run and an inline SVG chart across runs.

Server-side SVG (no JavaScript, no CDN): one line per recommender, one point per succeeded
collaborative run, oldest on the left, each point titled with its run and value. Colour is never
the only way to tell the lines apart (WCAG 1.4.1): each has its own dash pattern and point shape,
shown again in the legend, and the figure ends with the same numbers as a table. The chart draws
its own white ground, so its colours and dark text read the same in the admin's dark theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from recommendations.activation_gate import best_baseline
from recommendations.collaborative.kind import KIND


@dataclass(frozen=True)
class Series:
    metric: str  # the evaluation's metric name
    label: str
    colour: str  # at least 3:1 against the chart's white ground (WCAG 1.4.11)
    dash: str  # stroke-dasharray; "" for a solid line
    marker: str  # one of MARKERS


# The evaluation's metric names (the issue fixes five of them), each with its own colour, dash
# pattern and point shape: a reader who cannot tell the colours apart tells the shapes apart.
MAP12_SERIES = (
    Series("map12_blend", "Blend (For you)", "#c0392b", "", "circle"),
    Series("map12_als", "ALS alone", "#2471a3", "8 4", "square"),
    Series("map12_als_popular", "ALS, then popular", "#2e86c1", "2 3", "triangle"),
    Series("map12_buy_again", "Buy again", "#239b56", "10 3 2 3", "diamond"),
    Series("map12_buy_again_popular", "Buy again, then popular", "#117a65", "10 3 2 3 2 3", "triangle-down"),
    Series("map12_trending", "Trending", "#9c640c", "16 4", "plus"),
    Series("map12_popular_last_week", "Popular last week", "#7d3c98", "4 2 4 6", "cross"),
)
# Enough runs to see a trend, few enough that points stay apart.
CHART_RUNS = 30
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 190, 12, 28  # RIGHT: the legend, its longest label included
CHART_GROUND, CHART_TEXT, GRID = "#fff", "#333", "#ddd"  # #333 on white: 12.6:1
LEGEND_SAMPLE = 24  # the width of each legend entry's line sample


# Point shapes, drawn around the point in about 9 px: polygons as corners relative to the point,
# plus and cross as 2 px strokes between pairs of ends.
_POLYGONS = {
    "triangle": ((0, -4.5), (4.5, 3.5), (-4.5, 3.5)),
    "diamond": ((0, -4.5), (4.5, 0), (0, 4.5), (-4.5, 0)),
    "triangle-down": ((0, 4.5), (4.5, -3.5), (-4.5, -3.5)),
}
_STROKES = {
    "plus": (((-4.5, 0), (4.5, 0)), ((0, -4.5), (0, 4.5))),
    "cross": (((-3.5, -3.5), (3.5, 3.5)), ((-3.5, 3.5), (3.5, -3.5))),
}
MARKERS = ("circle", "square", *_POLYGONS, *_STROKES)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if shape in _POLYGONS:
        corners = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in _POLYGONS[shape])
        return f'<polygon points="{corners}" fill="{colour}"/>'
    path = "".join(
        f"M{x + x1:.1f} {y + y1:.1f}L{x + x2:.1f} {y + y2:.1f}" for (x1, y1), (x2, y2) in _STROKES[shape]
    )
    return f'<path d="{path}" stroke="{colour}" stroke-width="2" fill="none"/>'


def _stroke(series: Series) -> str:
    dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
    return f'stroke="{series.colour}" stroke-width="2"{dash}'


def map12_table(metrics: dict[str, Any]) -> SafeString:
    """The run's MAP@12 per recommender, and the blend's lift over the best simple baseline: the
    quality gate's baselines, not ALS alone, which a broken fit would lower with the blend."""
    rows = [
        (series.label, metrics[series.metric])
        for series in MAP12_SERIES
        if _number(metrics.get(series.metric))
    ]
    if not rows:
        return mark_safe("—")
    bar = best_baseline(KIND.activation_gate, metrics) if KIND.activation_gate else None
    lift = ""
    if _number(metrics.get("map12_blend")) and bar is not None and bar[1] > 0:
        lift = f"blend vs best simple baseline: {metrics['map12_blend'] / bar[1]:.2f}x"
    return format_html(
        '<table class="map12-table"><tbody>{}</tbody></table><p>{}</p>',
        format_html_join(
            "", "<tr><th>{}</th><td>{}</td></tr>", ((label, f"{value:.4f}") for label, value in rows)
        ),
        lift,
    )


def map12_chart(runs: Sequence[tuple[int, dict[str, Any]]]) -> SafeString:
    """An SVG line chart of the map12_* metrics of (run id, metrics) pairs, oldest first, and the
    same numbers as a table."""
    runs = [(run_id, metrics) for run_id, metrics in runs if _number(metrics.get("map12_blend"))]
    if not runs:
        return mark_safe("")
    top = max(float(metrics.get(series.metric) or 0) for _, metrics in runs for series in MAP12_SERIES) or 1.0
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(position: int) -> float:
        return LEFT + (plot_width * position / (len(runs) - 1) if len(runs) > 1 else plot_width / 2)

    def y(value: float) -> float:
        return TOP + plot_height * (1 - value / top)

    # Every value below is a number formatted here or a constant label run through escape().
    parts: list[str] = [f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{CHART_GROUND}"/>']
    for level in (0.0, top / 2, top):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(level):.1f}" x2="{LEFT + plot_width}" y2="{y(level):.1f}" '
            f'stroke="{GRID}"/>'
            f'<text x="{LEFT - 4}" y="{y(level) + 3:.1f}" font-size="10" text-anchor="end">{level:.3f}</text>'
        )
    for position, (run_id, _) in enumerate(runs):
        parts.append(
            f'<text x="{x(position):.1f}" y="{HEIGHT - 10}" font-size="9" text-anchor="middle">'
            f"#{int(run_id)}</text>"
        )
    for row, series in enumerate(MAP12_SERIES):
        points = [
            (x(position), y(float(metrics[series.metric])), int(run_id), float(metrics[series.metric]))
            for position, (run_id, metrics) in enumerate(runs)
            if _number(metrics.get(series.metric))
        ]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" {_stroke(series)}/>')
        parts.extend(
            f'<g data-series="{series.metric}">'
            f"<title>Run #{run_id}: {escape(series.label)} {value:.4f}</title>"
            f"{_marker(series.marker, px, py, series.colour)}</g>"
            for px, py, run_id, value in points
        )
        legend_x, legend_y = WIDTH - RIGHT + 8, TOP + 16 * row + 6
        parts.append(
            f'<g class="map12-legend" data-series="{series.metric}">'
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + LEGEND_SAMPLE}" y2="{legend_y}" '
            f"{_stroke(series)}/>"
            f"{_marker(series.marker, legend_x + LEGEND_SAMPLE / 2, legend_y, series.colour)}"
            f'<text x="{legend_x + LEGEND_SAMPLE + 6}" y="{legend_y + 4}" font-size="11">'
            f"{escape(series.label)}</text>"
            "</g>"
        )
    return mark_safe(  # noqa: S308 (numbers and escaped constants only, see above)
        '<figure class="map12-chart"><figcaption>Held-out MAP@12 of the collaborative runs</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" fill="{CHART_TEXT}" '
        'aria-label="Held-out MAP@12 per run (the values are in the table below the chart)">'
        f"{''.join(parts)}</svg>{_values_table(runs)}</figure>"
    )


def _values_table(runs: Sequence[tuple[int, dict[str, Any]]]) -> SafeString:
    """The chart's numbers, one row per run (oldest first), for screen readers and exact reading."""
    header = format_html_join("", '<th scope="col">{}</th>', ((series.label,) for series in MAP12_SERIES))
    rows = format_html_join(
        "",
        '<tr><th scope="row">#{}</th>{}</tr>',
        (
            (
                int(run_id),
                format_html_join(
                    "",
                    "<td>{}</td>",
                    (
                        (f"{metrics[series.metric]:.4f}" if _number(metrics.get(series.metric)) else "—",)
                        for series in MAP12_SERIES
                    ),
                ),
            )
            for run_id, metrics in runs
        ),
    )
    return format_html(
        '<details class="map12-values"><summary>The chart\'s values as a table</summary>'
        '<table><thead><tr><th scope="col">Run</th>{}</tr></thead><tbody>{}</tbody></table></details>',
        header,
        rows,
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def recent_collaborative_runs() -> list[tuple[int, dict[str, Any]]]:
    from recommendations.models import TrainingRun

    rows = (
        TrainingRun.objects.filter(kind="collaborative", status="succeeded")
        .order_by("-finished_at", "-id")
        .values_list("id", "metrics")[:CHART_RUNS]
    )
    return [(run_id, metrics or {}) for run_id, metrics in reversed(list(rows))]
