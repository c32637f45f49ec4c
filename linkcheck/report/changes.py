"""``linkcheck report --changes``: what changed since the previous completed run."""

from __future__ import annotations

import json
from collections.abc import Sequence

from linkcheck.report.json_report import citation_json
from linkcheck.report.summary import iso, lines_text
from linkcheck.report.visible import visible
from linkcheck.types import LinkChange, LinkState

#: How each transition is named for a reader, in the order they are listed.
HEADINGS: dict[LinkState, str] = {
    LinkState.DEAD: "Newly confirmed dead",
    LinkState.FAILING: "Newly failing",
    LinkState.RECOVERED: "Recovered",
}


def grouped_changes(changes: Sequence[LinkChange]) -> list[tuple[str, list[LinkChange]]]:
    """Transitions under their heading (dead first), each list ordered by URL."""
    return [
        (heading, sorted((c for c in changes if c.after is state), key=lambda c: c.url))
        for state, heading in HEADINGS.items()
        if any(c.after is state for c in changes)
    ]


def render_changes(changes: Sequence[LinkChange], format: str = "text") -> str:
    if format == "json":
        return json.dumps({"changes": [_json(change) for change in changes]}, indent=2)
    if not changes:
        return "No changes since the previous completed run."
    lines: list[str] = []
    for heading, group in grouped_changes(changes):
        lines.append(f"{heading} ({len(group)})")
        for change in group:
            status = change.result.status_code if change.result else None
            lines.append(f"  {change.url}" + (f"  (HTTP {status})" if status else ""))
            for ref in change.citations:
                where = lines_text(ref.lines)
                lines.append(f"      cited in {ref.document}:{where}")
        lines.append("")
    # Each line is layout around values (paths, URLs) that may hold control characters.
    return "\n".join(map(visible, lines)).rstrip()


def _json(change: LinkChange) -> dict[str, object]:
    return {
        "url": change.url,
        "before": str(change.before) if change.before else None,
        "after": str(change.after),
        "checked_at": iso(change.checked_at),
        "run_id": change.run_id,
        "verdict": str(change.result.verdict) if change.result else None,
        "status_code": change.result.status_code if change.result else None,
        "citations": [citation_json(ref) for ref in change.citations],
    }
