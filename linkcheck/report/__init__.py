"""Reports: one renderer per format, all fed the same :class:`ReportData`.

Renderers import only :mod:`linkcheck.types` (and each other's helpers): the
CLI asks the store for rows and hands them here, so every format is tested
without a database.
"""

from __future__ import annotations

from collections.abc import Callable

from linkcheck.report.csv_report import render_csv
from linkcheck.report.github import render_github
from linkcheck.report.html import render_html
from linkcheck.report.json_report import render_json
from linkcheck.report.junit import render_junit
from linkcheck.report.markdown import render_markdown
from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.sarif import render_sarif
from linkcheck.report.summary import failing_rows
from linkcheck.report.text import render_text

Renderer = Callable[[ReportData, ReportOptions], str]

_RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "csv": render_csv,
    "markdown": render_markdown,
    "html": render_html,
    "junit": render_junit,
    "github": render_github,
    "sarif": render_sarif,
}

FORMATS: tuple[str, ...] = ("text", "json", "csv", "markdown", "html", "junit", "github", "sarif")


def render(format: str, data: ReportData, options: ReportOptions | None = None) -> str:
    """Render ``data`` as ``format``; an unknown format is a ``ValueError`` naming the others."""
    renderer = _RENDERERS.get(format)
    if renderer is None:
        raise ValueError(f"unknown report format {format!r}; choose one of: {', '.join(FORMATS)}")
    return renderer(data, options if options is not None else ReportOptions())


__all__ = ["FORMATS", "ReportData", "ReportOptions", "failing_rows", "render"]
