"""The machine-readable report: exactly DESIGN.md's contract, plus extra fields.

Scripts and CI users rely on the field names; add fields freely, never rename
or drop one.  Datetimes are ISO 8601; absent values are ``null``.
"""

from __future__ import annotations

import json
from typing import Any

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    VERDICT_ORDER,
    by_url,
    citation_count,
    document_count,
    domain_of,
    failing_rows,
    is_failing,
    iso,
    sorted_citations,
    verdict_counts,
)
from linkcheck.types import CitationRef, Hop, LinkRow

JsonObject = dict[str, Any]


def render_json(data: ReportData, options: ReportOptions) -> str:
    document: JsonObject = {
        "run": _run(data),
        "summary": _summary(data, options),
        "links": [_link(row, options) for row in by_url(data.links)],
    }
    if data.generated_at is not None:
        document["generated_at"] = iso(data.generated_at)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _run(data: ReportData) -> JsonObject:
    """The run's counts per verdict (every verdict, zeros included) beside its times.

    Without a stored run (e.g. a report over a filtered selection) the counts
    are taken from the links shown.
    """
    run = data.run
    if run is not None:
        counts = {str(verdict): run.counts.get(verdict, 0) for verdict in VERDICT_ORDER}
        total = run.total or sum(counts.values())
    else:
        counted = verdict_counts(data.links)
        counts = {str(verdict): counted.get(str(verdict), 0) for verdict in VERDICT_ORDER}
        total = len(data.links)
    return {
        "id": run.id if run else None,
        **counts,
        "total": total,
        "started_at": iso(run.started_at) if run else None,
        "finished_at": iso(run.finished_at) if run else None,
        "status": str(run.status) if run else None,
    }


def _summary(data: ReportData, options: ReportOptions) -> JsonObject:
    return {
        "links": len(data.links),
        "citations": citation_count(data.links),
        "documents": document_count(data.links),
        "failing": len(failing_rows(data, options)),
        "fail_on": sorted(str(verdict) for verdict in options.fail_on),
    }


def _link(row: LinkRow, options: ReportOptions) -> JsonObject:
    result, snapshot = row.result, row.snapshot
    return {
        "url": row.url,
        "verdict": str(result.verdict) if result else None,
        "state": str(row.state) if row.state else None,
        "status_code": result.status_code if result else None,
        "final_url": result.final_url if result else None,
        "error_kind": str(result.error_kind) if result and result.error_kind else None,
        "error": result.error if result else None,
        "hops": [hop_json(hop) for hop in result.hops] if result else [],
        "archive_url": snapshot.archive_url if snapshot else None,
        "archive_timestamp": iso(snapshot.captured_at) if snapshot else None,
        "checked_at": iso(result.checked_at) if result else None,
        "citations": [citation_json(ref) for ref in sorted_citations(row)],
        # Extra fields beyond the contract.
        "failing": is_failing(row, options),
        "domain": domain_of(row.url),
        "title": result.title if result else None,
        "attempts": result.attempts if result else None,
        "elapsed_ms": result.elapsed_ms if result else None,
        "method": result.method if result else None,
        "archive_direction": str(snapshot.direction) if snapshot else None,
        "archive_status_code": snapshot.status_code if snapshot else None,
        "first_failed_at": iso(row.first_failed_at),
        "confirmed_dead_at": iso(row.confirmed_dead_at),
    }


def hop_json(hop: Hop) -> JsonObject:
    return {"url": hop.url, "status_code": hop.status_code, "location": hop.location}


def citation_json(ref: CitationRef) -> JsonObject:
    return {
        "document": ref.document,
        "lines": list(ref.lines),
        "role": str(ref.role),
        "title": ref.title,
        "cited_at": iso(ref.cited_at),
    }
