"""Reports: one renderer per format, all fed the same :class:`ReportData`.

Renderers import only :mod:`linkcheck.types` (and each other's helpers): the
CLI asks the store for rows and hands them here, so every format is tested
without a database.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import cast

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import failing_rows

Renderer = Callable[[ReportData, ReportOptions], str]

#: Each format's module and function, imported only when that format is asked
#: for: a run renders one format, and the others (rich, xml.etree...) cost start-up.
_RENDERERS: dict[str, tuple[str, str]] = {
    "text": ("text", "render_text"),
    "json": ("json_report", "render_json"),
    "csv": ("csv_report", "render_csv"),
    "markdown": ("markdown", "render_markdown"),
    "html": ("html", "render_html"),
    "junit": ("junit", "render_junit"),
    "github": ("github", "render_github"),
    "sarif": ("sarif", "render_sarif"),
}

FORMATS: tuple[str, ...] = ("text", "json", "csv", "markdown", "html", "junit", "github", "sarif")


def render(format: str, data: ReportData, options: ReportOptions | None = None) -> str:
    """Render ``data`` as ``format``; an unknown format is a ``ValueError`` naming the others.

    The string is a complete file, ending in exactly one line break (CRLF for
    CSV; GitHub annotations are empty when there is nothing to annotate): write
    it as it is, adding nothing.
    """
    where = _RENDERERS.get(format)
    if where is None:
        raise ValueError(f"unknown report format {format!r}; choose one of: {', '.join(FORMATS)}")
    module, function = where
    renderer = cast(Renderer, getattr(import_module(f"{__name__}.{module}"), function))
    return renderer(data, options if options is not None else ReportOptions())


__all__ = ["FORMATS", "ReportData", "ReportOptions", "failing_rows", "render"]
