"""The "link rot over time" chart: verdict counts per stored run as an inline SVG.

Generated here, not drawn by a script library, so the report stays one
self-contained file that opens offline and runs no code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from linkcheck.types import RunSummary, Verdict

#: Stacking order, bottom up: healthy at the base, the worst on top where it shows.
STACK: tuple[Verdict, ...] = (
    Verdict.ALIVE,
    Verdict.SKIPPED,
    Verdict.MOVED,
    Verdict.BLOCKED,
    Verdict.INVALID,
    Verdict.ERROR,
    Verdict.SOFT_404,
    Verdict.DEAD,
)
COLORS: dict[Verdict, str] = {
    Verdict.ALIVE: "#3f9b5c",
    Verdict.SKIPPED: "#c5ccd3",
    Verdict.MOVED: "#4a7fc1",
    Verdict.BLOCKED: "#9b6cc4",
    Verdict.INVALID: "#7a8793",
    Verdict.ERROR: "#e0a526",
    Verdict.SOFT_404: "#ec7a3c",
    Verdict.DEAD: "#d0433b",
}

WIDTH, HEIGHT = 1080, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 52


def nice_step(maximum: int, ticks: int = 5) -> int:
    """A round grid step (1, 2, 5 x 10^k) giving at most about ``ticks`` lines."""
    raw = max(maximum, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return max(int(magnitude * factor), 1)
    return int(magnitude * 10)


def run_total(run: RunSummary) -> int:
    return sum(run.counts.get(verdict, 0) for verdict in STACK)


def render_chart(runs: Sequence[RunSummary]) -> str:
    """An SVG of stacked bars, one per run, oldest on the left."""
    step = nice_step(max((run_total(run) for run in runs), default=0))
    top = step * math.ceil(max((run_total(run) for run in runs), default=1) / step) or step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(runs), 1)
    bar = min(slot * 0.6, 64)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">Links per verdict in {_runs_phrase(len(runs))}</title>',
    ]
    for value in range(0, top + 1, step):
        y = TOP + plot_h - plot_h * value / top
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" class="tick">{value}</text>'
        )
    label_every = max(1, math.ceil(len(runs) / 12))
    for index, run in enumerate(runs):
        x = LEFT + slot * index + (slot - bar) / 2
        parts.extend(_bar(run, x, bar, plot_h, top))
        if index % label_every == 0 or index == len(runs) - 1:
            parts.append(_label(run, x + bar / 2))
    parts.append("</svg>")
    return "\n".join(parts)


def _bar(run: RunSummary, x: float, width: float, plot_h: float, top: int) -> list[str]:
    y = TOP + plot_h
    rects: list[str] = []
    for verdict in STACK:
        count = run.counts.get(verdict, 0)
        if not count:
            continue
        height = plot_h * count / top
        y -= height
        tooltip = escape(f"Run {run.id}, {run.started_at:%Y-%m-%d}: {count} {verdict}")
        rects.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
            f'fill="{COLORS[verdict]}" data-verdict="{verdict}" data-count="{count}">'
            f"<title>{tooltip}</title></rect>"
        )
    return rects


def _runs_phrase(count: int) -> str:
    return "the only run" if count == 1 else f"each of the last {count} runs"


def _label(run: RunSummary, center: float) -> str:
    base = HEIGHT - BOTTOM
    return (
        f'<text x="{center:.1f}" y="{base + 18}" text-anchor="middle" class="tick">'
        f"{run.started_at:%b} {run.started_at.day}</text>"
        f'<text x="{center:.1f}" y="{base + 34}" text-anchor="middle" class="tick run">'
        f"run {run.id}</text>"
    )
