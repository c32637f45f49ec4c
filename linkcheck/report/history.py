"""``linkcheck history URL``: every check of one link, as text or JSON.

Fed the link's checks as :class:`LinkRow` values (``Store.link_history``), it
shows the link's state after each check, its state now, and when its failures
began and its death was confirmed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from linkcheck.report.json_report import citation_json, hop_json
from linkcheck.report.summary import day, iso, lines_text, outcome, plural
from linkcheck.report.visible import visible
from linkcheck.types import CheckResult, CitationRef, LinkRow, LinkState, Snapshot

#: Width of the state column: the longest state, ``recovered``.
STATE_WIDTH = max(len(state) for state in LinkState)


def render_history(
    url: str,
    checks: Sequence[LinkRow],
    citations: Sequence[CitationRef],
    snapshot: Snapshot | None,
    format: str = "text",
) -> str:
    """The history of the link at ``url``: its checks oldest first, its citations, its snapshot."""
    if format == "json":
        return _json(url, checks, citations, snapshot)
    if format == "text":
        return _text(url, checks, citations, snapshot)
    raise ValueError(f"history comes as text or json, not {format!r}")


def _now(rows: Sequence[LinkRow]) -> LinkRow | None:
    """The link as its latest check left it."""
    return rows[-1] if rows else None


def _json(
    url: str,
    rows: Sequence[LinkRow],
    citations: Sequence[CitationRef],
    snapshot: Snapshot | None,
) -> str:
    now = _now(rows)
    document = {
        "url": url,
        "state": str(now.state) if now and now.state else None,
        "first_failed_at": iso(now.first_failed_at) if now else None,
        "confirmed_dead_at": iso(now.confirmed_dead_at) if now else None,
        "citations": [citation_json(ref) for ref in citations],
        "checks": [_check_json(row) for row in rows],
        "snapshot": _snapshot_json(snapshot),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _check_json(row: LinkRow) -> dict[str, object]:
    check = _result(row)
    return {
        "checked_at": iso(check.checked_at),
        "verdict": str(check.verdict),
        "status_code": check.status_code,
        "final_url": check.final_url,
        "error_kind": str(check.error_kind) if check.error_kind else None,
        "error": check.error,
        "attempts": check.attempts,
        "elapsed_ms": check.elapsed_ms,
        "hops": [hop_json(hop) for hop in check.hops],
        "state": str(row.state) if row.state else None,
    }


def _result(row: LinkRow) -> CheckResult:
    if row.result is None:  # pragma: no cover - every history row is a check
        raise ValueError(f"history row of {row.url} holds no check")
    return row.result


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
    rows: Sequence[LinkRow],
    citations: Sequence[CitationRef],
    snapshot: Snapshot | None,
) -> str:
    lines = [url, _state_line(_now(rows)), ""]
    lines.append(f"cited {plural(len(citations), 'time')}:")
    for ref in citations:
        where = lines_text(ref.lines)
        lines.append(f"  {ref.document}:{where} ({ref.role})")
    legend = "verdict, then the link's state after the check"
    lines += ["", f"{plural(len(rows), 'check')}, oldest first: {legend}"]
    for row in rows:
        check = _result(row)
        state = str(row.state) if row.state else "-"
        lines.append(
            f"  {iso(check.checked_at)}  {check.verdict:<9} {state:<{STATE_WIDTH}} {outcome(row)}"
        )
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


def _state_line(now: LinkRow | None) -> str:
    """``state: dead (confirmed 2026-06-12; failing since 2026-06-01)``, ``state: alive``…"""
    if now is None or now.state is None:
        return "state: not known"
    if now.state is LinkState.FAILING and now.first_failed_at is not None:
        return f"state: failing since {day(now.first_failed_at)}"
    since = []
    if now.confirmed_dead_at is not None:
        since.append(f"confirmed {day(now.confirmed_dead_at)}")
    if now.first_failed_at is not None:
        since.append(f"failing since {day(now.first_failed_at)}")
    return f"state: {now.state}" + (f" ({'; '.join(since)})" if since else "")
