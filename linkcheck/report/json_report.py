"""The machine-readable report: exactly DESIGN.md's contract, plus extra fields.

Scripts and CI users rely on the field names; add fields freely, never rename
or drop one.  Datetimes are ISO 8601; absent values are ``null``.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any, TextIO

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    UNCHECKED,
    VERDICT_ORDER,
    archive_direction,
    by_url,
    domain_of,
    iso,
    sorted_citations,
)
from linkcheck.types import (
    CitationRef,
    ErrorKind,
    Hop,
    LinkRow,
    LinkState,
    Role,
    RunSummary,
    SnapshotDirection,
    Verdict,
)

JsonObject = dict[str, Any]

#: One encoder for every link: ``json.dumps`` with options builds a new one per
#: call.  Without ``indent`` it is the C encoder.
_encode = json.JSONEncoder(ensure_ascii=False).encode
#: A string as that encoder writes it (the C function when there is one).
_encode_string = encode_basestring


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
    fail_on = options.fail_on
    stream.write('{"links": [')
    separator = "\n  "
    batch: list[str] = []
    for row in links:
        failing = tally.add(row, fail_on)
        batch.append(separator)
        batch.append(link_text(row, failing))
        separator = ",\n  "
        if len(batch) >= _BATCH:  # one write per few hundred links, not two per link
            stream.write("".join(batch))
            batch.clear()
    stream.write("".join(batch))
    stream.write("\n],\n")
    tail: JsonObject = {"run": _run(run, tally), "summary": tally.summary(options)}
    if generated_at is not None:
        tail["generated_at"] = iso(generated_at)
    for index, (key, value) in enumerate(tail.items()):
        separator = ",\n" if index < len(tail) - 1 else "\n"
        stream.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{separator}")
    stream.write("}\n")


_VERDICT_NAME: dict[Verdict | None, str] = {verdict: str(verdict) for verdict in Verdict}
_VERDICT_NAME[None] = UNCHECKED

#: Parts of links written with one ``write`` (two parts per link).
_BATCH = 1000


class _Tally:
    """Counts kept while streaming: verdicts, citations, documents, failures."""

    def __init__(self) -> None:
        self.links = 0
        self.citations = 0
        self.failing = 0
        self.documents: set[str] = set()
        self.verdicts: Counter[str] = Counter()

    def add(self, row: LinkRow, fail_on: frozenset[Verdict]) -> bool:
        """Count ``row``; whether its verdict is a failure under ``fail_on``."""
        self.links += 1
        citations = row.citations
        self.citations += len(citations)
        if len(citations) == 1:  # most links: no generator
            self.documents.add(citations[0].document)
        else:
            self.documents.update(ref.document for ref in citations)
        result = row.result
        verdict = result.verdict if result is not None else None
        failing = verdict in fail_on
        self.failing += failing
        self.verdicts[_VERDICT_NAME[verdict]] += 1
        return failing

    def summary(self, options: ReportOptions) -> JsonObject:
        return {
            "links": self.links,
            "citations": self.citations,
            "documents": len(self.documents),
            "failing": self.failing,
            "fail_on": sorted(str(verdict) for verdict in options.fail_on),
        }


def _run(run: RunSummary | None, tally: _Tally) -> JsonObject:
    """The run's counts per verdict (every verdict, zeros included) beside its times,
    its status and what stopped it (``stopped_by``: null unless the run failed).

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
        # Not "error": that key is the count of `error` links, one of the counts above.
        "stopped_by": run.error if run else None,
    }


# --------------------------------------------------------------------------- one link's text
#
# A link's object is written as text directly, in exactly the form
# ``json.dumps(obj, ensure_ascii=False)`` gives (", " and ": " separators, keys
# in contract order): building a dict per link and encoding it cost about twice
# as much, on reports of a quarter of a million links.


def _string(value: str | None) -> str:
    return "null" if value is None else _encode_string(value)


def _number(value: float | None) -> str:
    """An int or float as ``json`` writes it."""
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float and value - value == 0:  # finite: not NaN, not infinite
        return float.__repr__(value)
    return _encode(value)  # floats (NaN and infinities), bools and other int subclasses


def _moment(value: datetime | date | None) -> str:
    # ISO text never holds a character that JSON escapes.
    return "null" if value is None else f'"{value.isoformat()}"'


def _enum_texts(members: Iterable[StrEnum]) -> dict[StrEnum | None, str]:
    texts: dict[StrEnum | None, str] = {member: _encode_string(str(member)) for member in members}
    texts[None] = "null"
    return texts


_VERDICT_TEXT = _enum_texts(Verdict)
_STATE_TEXT = _enum_texts(LinkState)
_ERROR_KIND_TEXT = _enum_texts(ErrorKind)
_ROLE_TEXT = _enum_texts(Role)
_DIRECTION_TEXT = _enum_texts(SnapshotDirection)


@lru_cache(maxsize=4096)
def _lines_text(lines: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(_number, lines)) + "]"


def _hop_text(hop: Hop) -> str:
    return (
        f'{{"url": {_encode_string(hop.url)}, "status_code": {_number(hop.status_code)},'
        f' "location": {_string(hop.location)}}}'
    )


def _citation_text(ref: CitationRef) -> str:
    return (
        f'{{"document": {_encode_string(ref.document)}, "lines": {_lines_text(ref.lines)},'
        f' "role": {_ROLE_TEXT[ref.role]}, "title": {_string(ref.title)},'
        f' "cited_at": {_moment(ref.cited_at)}}}'
    )


def link_text(row: LinkRow, failing: bool) -> str:
    """One link's JSON object (this runs per link of reports that can hold 250k links)."""
    result, snapshot = row.result, row.snapshot
    url = _encode_string(row.url)
    state = _STATE_TEXT[row.state]
    if result is None:
        checked = f'"verdict": null, "state": {state}, "status_code": null, "final_url": null,'
        checked += ' "error_kind": null, "error": null, "hops": []'
        extra = '"title": null, "attempts": null, "elapsed_ms": null, "method": null'
        checked_at = "null"
    else:
        hops = ", ".join(map(_hop_text, result.hops))
        final_url = result.final_url
        checked = (
            f'"verdict": {_VERDICT_TEXT[result.verdict]}, "state": {state},'
            f' "status_code": {_number(result.status_code)},'
            f' "final_url": {url if final_url == row.url else _string(final_url)},'
            f' "error_kind": {_ERROR_KIND_TEXT[result.error_kind]},'
            f' "error": {_string(result.error)}, "hops": [{hops}]'
        )
        extra = (
            f'"title": {_string(result.title)}, "attempts": {_number(result.attempts)},'
            f' "elapsed_ms": {_number(result.elapsed_ms)}, "method": {_string(result.method)}'
        )
        checked_at = _moment(result.checked_at)
    if snapshot is None:
        archive = '"archive_url": null, "archive_timestamp": null'
        archive_extra = '"archive_direction": null, "archive_status_code": null'
        archive_extra += ', "archive_error": null'
    else:
        archive = (
            f'"archive_url": {_string(snapshot.archive_url)},'
            f' "archive_timestamp": {_moment(snapshot.captured_at)}'
        )
        archive_extra = (
            f'"archive_direction": {_DIRECTION_TEXT[archive_direction(snapshot)]},'
            f' "archive_status_code": {_number(snapshot.status_code)},'
            f' "archive_error": {_string(snapshot.error)}'
        )
    citations = ", ".join(map(_citation_text, sorted_citations(row)))
    # Most links never failed: no call for them.
    failed, dead = row.first_failed_at, row.confirmed_dead_at
    return (
        f'{{"url": {url}, {checked}, {archive}, "checked_at": {checked_at},'
        f' "citations": [{citations}], "failing": {"true" if failing else "false"},'
        f' "domain": {_encode_string(domain_of(row.url))}, {extra}, {archive_extra},'
        f' "first_failed_at": {"null" if failed is None else _moment(failed)},'
        f' "confirmed_dead_at": {"null" if dead is None else _moment(dead)}}}'
    )


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
