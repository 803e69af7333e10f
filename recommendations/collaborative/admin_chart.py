"""Held-out MAP@12 in the admin: a table per run and an inline SVG chart across runs.

Server-side SVG (no JavaScript, no CDN): one line per recommender, one point per succeeded
collaborative run, oldest on the left, each point titled with its run and value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# The evaluation's metric names (the issue fixes five of them) with labels and colours for the chart.
MAP12_SERIES = (
    ("map12_blend", "Blend (For you)", "#c0392b"),
    ("map12_als", "ALS alone", "#2471a3"),
    ("map12_als_popular", "ALS, then popular", "#5dade2"),
    ("map12_buy_again", "Buy again", "#239b56"),
    ("map12_buy_again_popular", "Buy again, then popular", "#17a589"),
    ("map12_trending", "Trending", "#b9770e"),
    ("map12_popular_last_week", "Popular last week", "#7d3c98"),
)
# Enough runs to see a trend, few enough that points stay apart.
CHART_RUNS = 30
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 170, 12, 28


def map12_table(metrics: dict[str, Any]) -> SafeString:
    """The run's MAP@12 per recommender, and the blend's lift over the best single baseline."""
    rows = [(label, metrics[name]) for name, label, _ in MAP12_SERIES if _number(metrics.get(name))]
    if not rows:
        return mark_safe("—")
    baselines = [metrics[name] for name, *_ in MAP12_SERIES[1:] if _number(metrics.get(name))]
    lift = ""
    if "map12_blend" in metrics and baselines and max(baselines) > 0:
        lift = f"blend vs best baseline: {metrics['map12_blend'] / max(baselines):.2f}x"
    return format_html(
        '<table class="map12-table"><tbody>{}</tbody></table><p>{}</p>',
        format_html_join(
            "", "<tr><th>{}</th><td>{}</td></tr>", ((label, f"{value:.4f}") for label, value in rows)
        ),
        lift,
    )


def map12_chart(runs: Sequence[tuple[int, dict[str, Any]]]) -> SafeString:
    """An SVG line chart of the map12_* metrics of (run id, metrics) pairs, oldest first."""
    runs = [(run_id, metrics) for run_id, metrics in runs if _number(metrics.get("map12_blend"))]
    if not runs:
        return mark_safe("")
    top = max(float(metrics.get(name) or 0) for _, metrics in runs for name, *_ in MAP12_SERIES) or 1.0
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(position: int) -> float:
        return LEFT + (plot_width * position / (len(runs) - 1) if len(runs) > 1 else plot_width / 2)

    def y(value: float) -> float:
        return TOP + plot_height * (1 - value / top)

    # Every value below is a number formatted here or a constant label run through escape().
    parts: list[str] = []
    for level in (0.0, top / 2, top):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(level):.1f}" x2="{LEFT + plot_width}" y2="{y(level):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{LEFT - 4}" y="{y(level) + 3:.1f}" font-size="10" text-anchor="end">{level:.3f}</text>'
        )
    for position, (run_id, _) in enumerate(runs):
        parts.append(
            f'<text x="{x(position):.1f}" y="{HEIGHT - 10}" font-size="9" text-anchor="middle">'
            f"#{int(run_id)}</text>"
        )
    for row, (name, label, colour) in enumerate(MAP12_SERIES):
        points = [
            (x(position), y(float(metrics[name])), int(run_id), float(metrics[name]))
            for position, (run_id, metrics) in enumerate(runs)
            if _number(metrics.get(name))
        ]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.extend(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}">'
            f"<title>Run #{run_id}: {escape(label)} {value:.4f}</title></circle>"
            for px, py, run_id, value in points
        )
        legend_y = TOP + 14 * row + 8
        parts.append(
            f'<rect x="{WIDTH - RIGHT + 12}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{WIDTH - RIGHT + 26}" y="{legend_y + 1}" font-size="11">{escape(label)}</text>'
        )
    return mark_safe(  # noqa: S308 (numbers and escaped constants only, see above)
        '<figure class="map12-chart"><figcaption>Held-out MAP@12 of the collaborative runs</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Held-out MAP@12 per run">'
        f"{''.join(parts)}</svg></figure>"
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
