"""The machine-readable report: exactly DESIGN.md's contract, plus extra fields.

Scripts and CI users rely on the field names; add fields freely, never rename
or drop one.  Datetimes are ISO 8601; absent values are ``null``.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    VERDICT_ORDER,
    by_url,
    domain_of,
    is_failing,
    iso,
    sorted_citations,
    verdict_name,
)
from linkcheck.types import CitationRef, Hop, LinkRow, RunSummary

JsonObject = dict[str, Any]

#: One encoder for every link: ``json.dumps`` with options builds a new one per
#: call.  Without ``indent`` it is the C encoder.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def render_json(data: ReportData, options: ReportOptions) -> str:
    buffer = io.StringIO()
    write_json(
        by_url(data.links),
        options,
        buffer,
        run=data.run,
        generated_at=data.generated_at,
    )
    return buffer.getvalue()


def write_json(
    links: Iterable[LinkRow],
    options: ReportOptions,
    stream: TextIO,
    *,
    run: RunSummary | None = None,
    generated_at: datetime | None = None,
) -> None:
    """Write the report as links arrive: memory stays flat however many links there are.

    Links come first, one per line; ``run`` and ``summary`` follow, since without
    a stored run the counts are only known once every link has been seen.
    """
    tally = _Tally()
    stream.write('{"links": [')
    for index, row in enumerate(links):
        stream.write(",\n  " if index else "\n  ")
        stream.write(_encode(_link(row, options)))
        tally.add(row, options)
    stream.write("\n],\n")
    tail: JsonObject = {"run": _run(run, tally), "summary": tally.summary(options)}
    if generated_at is not None:
        tail["generated_at"] = iso(generated_at)
    for index, (key, value) in enumerate(tail.items()):
        separator = ",\n" if index < len(tail) - 1 else "\n"
        stream.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{separator}")
    stream.write("}\n")


class _Tally:
    """Counts kept while streaming: verdicts, citations, documents, failures."""

    def __init__(self) -> None:
        self.links = 0
        self.citations = 0
        self.failing = 0
        self.documents: set[str] = set()
        self.verdicts: Counter[str] = Counter()

    def add(self, row: LinkRow, options: ReportOptions) -> None:
        self.links += 1
        self.citations += len(row.citations)
        self.documents.update(ref.document for ref in row.citations)
        self.failing += is_failing(row, options)
        self.verdicts[verdict_name(row)] += 1

    def summary(self, options: ReportOptions) -> JsonObject:
        return {
            "links": self.links,
            "citations": self.citations,
            "documents": len(self.documents),
            "failing": self.failing,
            "fail_on": sorted(str(verdict) for verdict in options.fail_on),
        }


def _run(run: RunSummary | None, tally: _Tally) -> JsonObject:
    """The run's counts per verdict (every verdict, zeros included) beside its times.

    Without a stored run (e.g. a report over a filtered selection) the counts
    are those of the links shown.
    """
    if run is not None:
        counts = {str(verdict): run.counts.get(verdict, 0) for verdict in VERDICT_ORDER}
        total = run.total or sum(counts.values())
    else:
        counts = {str(verdict): tally.verdicts.get(str(verdict), 0) for verdict in VERDICT_ORDER}
        total = tally.links
    return {
        "id": run.id if run else None,
        **counts,
        "total": total,
        "started_at": iso(run.started_at) if run else None,
        "finished_at": iso(run.finished_at) if run else None,
        "status": str(run.status) if run else None,
    }


def _link(row: LinkRow, options: ReportOptions) -> JsonObject:
    """One link's object (this runs per link of reports that can hold 250k links)."""
    result, snapshot = row.result, row.snapshot
    link: JsonObject = {"url": row.url}
    if result is None:
        link.update(_UNCHECKED, state=str(row.state) if row.state else None)
    else:
        error_kind = result.error_kind
        link.update(
            verdict=str(result.verdict),
            state=str(row.state) if row.state else None,
            status_code=result.status_code,
            final_url=result.final_url,
            error_kind=str(error_kind) if error_kind else None,
            error=result.error,
            hops=[hop_json(hop) for hop in result.hops],
        )
    if snapshot is None:
        link.update(_NO_SNAPSHOT)
    else:
        link.update(archive_url=snapshot.archive_url, archive_timestamp=iso(snapshot.captured_at))
    link.update(
        checked_at=result.checked_at.isoformat() if result else None,
        citations=[citation_json(ref) for ref in sorted_citations(row)],
        # Extra fields beyond the contract.
        failing=is_failing(row, options),
        domain=domain_of(row.url),
        title=result.title if result else None,
        attempts=result.attempts if result else None,
        elapsed_ms=result.elapsed_ms if result else None,
        method=result.method if result else None,
        archive_direction=str(snapshot.direction) if snapshot else None,
        archive_status_code=snapshot.status_code if snapshot else None,
        first_failed_at=iso(row.first_failed_at),
        confirmed_dead_at=iso(row.confirmed_dead_at),
    )
    return link


#: The contract's fields for a link never checked, and for one without an archive look-up.
_UNCHECKED: JsonObject = {
    "verdict": None,
    "state": None,  # replaced: a stored link may have a state before any check shown
    "status_code": None,
    "final_url": None,
    "error_kind": None,
    "error": None,
    "hops": [],
}
_NO_SNAPSHOT: JsonObject = {"archive_url": None, "archive_timestamp": None}


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
