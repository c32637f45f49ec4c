"""CSV for spreadsheets: one row per (link, document citing it).

A spreadsheet user filters by document to fix one file at a time, so each
citation gets its own row; the link's columns repeat.  RFC 4180: a header row,
CRLF line ends, fields quoted when they hold a comma, quote or line break.
"""

from __future__ import annotations

import csv
import io

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    archive_direction,
    by_severity,
    is_failing,
    iso,
    sorted_citations,
    verdict_name,
)
from linkcheck.types import CitationRef, LinkRow

COLUMNS = (
    "document",
    "lines",
    "url",
    "verdict",
    "failing",
    "state",
    "status_code",
    "final_url",
    "error_kind",
    "error",
    "archive_url",
    "archive_timestamp",
    "archive_direction",
    "checked_at",
    "role",
    "citation_title",
    "cited_at",
    "archive_error",
)

#: A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def render_csv(data: ReportData, options: ReportOptions) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in by_severity(data.links):
        refs: list[CitationRef | None] = [*sorted_citations(row)] or [None]
        for ref in refs:
            writer.writerow([_defuse(cell) for cell in _cells(row, ref, options)])
    return buffer.getvalue()


def _cells(row: LinkRow, ref: CitationRef | None, options: ReportOptions) -> list[str]:
    result, snapshot = row.result, row.snapshot
    values: list[object | None] = [
        ref.document if ref else None,
        " ".join(str(line) for line in ref.lines) if ref else None,
        row.url,
        verdict_name(row),
        "yes" if is_failing(row, options) else "no",
        row.state,
        result.status_code if result else None,
        result.final_url if result else None,
        result.error_kind if result else None,
        result.error if result else None,
        snapshot.archive_url if snapshot else None,
        iso(snapshot.captured_at) if snapshot else None,
        archive_direction(snapshot) if snapshot else None,
        iso(result.checked_at) if result else None,
        ref.role if ref else None,
        ref.title if ref else None,
        iso(ref.cited_at) if ref else None,
        snapshot.error if snapshot else None,
    ]
    return ["" if value is None else str(value) for value in values]


def _defuse(cell: str) -> str:
    """Keep a hostile title or error message from running as a spreadsheet formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
