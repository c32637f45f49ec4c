"""``linkcheck history URL``: every check of one link, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from linkcheck.report.json_report import citation_json, hop_json
from linkcheck.report.summary import iso, lines_text, outcome, plural
from linkcheck.report.visible import visible
from linkcheck.types import CheckResult, CitationRef, LinkRow, Snapshot


def render_history(
    url: str,
    checks: Sequence[CheckResult],
    citations: Sequence[CitationRef],
    snapshot: Snapshot | None,
    format: str = "text",
) -> str:
    if format == "json":
        return _json(url, checks, citations, snapshot)
    if format == "text":
        return _text(url, checks, citations, snapshot)
    raise ValueError(f"history comes as text or json, not {format!r}")


def _json(
    url: str,
    checks: Sequence[CheckResult],
    citations: Sequence[CitationRef],
    snapshot: Snapshot | None,
) -> str:
    document = {
        "url": url,
        "citations": [citation_json(ref) for ref in citations],
        "checks": [
            {
                "checked_at": iso(check.checked_at),
                "verdict": str(check.verdict),
                "status_code": check.status_code,
                "final_url": check.final_url,
                "error_kind": str(check.error_kind) if check.error_kind else None,
                "error": check.error,
                "attempts": check.attempts,
                "elapsed_ms": check.elapsed_ms,
                "hops": [hop_json(hop) for hop in check.hops],
            }
            for check in checks
        ],
        "snapshot": _snapshot_json(snapshot),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _snapshot_json(snapshot: Snapshot | None) -> dict[str, object] | None:
    if snapshot is None:
        return None
    return {
        "archive_url": snapshot.archive_url,
        "archive_timestamp": iso(snapshot.captured_at),
        "direction": str(snapshot.direction),
        "looked_up_at": iso(snapshot.looked_up_at),
        "error": snapshot.error,
    }


def _text(
    url: str,
    checks: Sequence[CheckResult],
    citations: Sequence[CitationRef],
    snapshot: Snapshot | None,
) -> str:
    lines = [url, ""]
    lines.append(f"cited {plural(len(citations), 'time')}:")
    for ref in citations:
        where = lines_text(ref.lines)
        lines.append(f"  {ref.document}:{where} ({ref.role})")
    lines += ["", f"{plural(len(checks), 'check')}, oldest first:"]
    for check in checks:
        row = LinkRow(url=url, citations=(), result=check)
        lines.append(f"  {iso(check.checked_at)}  {check.verdict:<9} {outcome(row)}")
        if len(check.hops) > 1:
            lines += [f"      {hop.status_code} {hop.url}" for hop in check.hops]
    lines.append("")
    if snapshot is None:
        lines.append("archive: not looked up")
    elif snapshot.archive_url:
        lines.append(f"archive: {snapshot.archive_url} ({snapshot.direction} the citation)")
    else:
        # An error is archive trouble, asked about again next time: not "no copy".
        failed = f"look-up failed ({snapshot.error})" if snapshot.error else ""
        lines.append(f"archive: {failed or 'no usable capture'}")
    # Each line is layout around values (paths, URLs, errors) that may hold control characters.
    return "\n".join(map(visible, lines))
