"""GitHub Actions workflow commands, so broken citations show inline on a pull request.

One annotation per citation (a document citing a URL), at its first line;
the message names the other lines.  Failing verdicts are ``::error``; the
other noteworthy ones (moved, blocked, error, invalid) are ``::warning``.
"""

from __future__ import annotations

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    archive_note,
    by_severity,
    is_failing,
    line_list,
    moved_to,
    needs_attention,
    outcome,
    sorted_citations,
    title_of,
)
from linkcheck.report.visible import visible
from linkcheck.types import CitationRef, LinkRow


def render_github(data: ReportData, options: ReportOptions) -> str:
    commands: list[str] = []
    for row in by_severity(data.links):
        if is_failing(row, options):
            level = "error"
        elif needs_attention(row, options):
            level = "warning"
        else:
            continue
        # A link no stored document cites now (a report of an older run) still gets
        # its annotation, on no file.
        commands += [_command(level, row, ref) for ref in sorted_citations(row) or (None,)]
    return "".join(command + "\n" for command in commands)


def _command(level: str, row: LinkRow, ref: CitationRef | None) -> str:
    properties = {}
    if ref is not None:
        properties["file"] = ref.document
        if ref.lines:
            properties["line"] = str(ref.lines[0])
    properties["title"] = title_of(row)
    # visible() first: the escapes below keep the command intact, but the runner
    # undoes them, so a raw ESC or line break would still reach the log.
    props = ",".join(
        f"{key}={escape_property(visible(value))}" for key, value in properties.items()
    )
    return f"::{level} {props}::{escape_data(visible(_message(row, ref)))}"


def _message(row: LinkRow, ref: CitationRef | None) -> str:
    parts = [f"{row.url}: {outcome(row)}."]
    final = moved_to(row)
    if final is not None:
        parts.append(f"It now leads to {final}.")
    if ref is None:
        parts.append("No stored document cites it now.")
    else:
        if len(ref.lines) > 1:
            parts.append(f"Also cited on {line_list(ref.lines[1:])}.")
        elsewhere = sorted({other.document for other in row.citations} - {ref.document})
        if elsewhere:
            parts.append(f"Also cited in {', '.join(elsewhere)}.")
    note = archive_note(row)
    if note is not None and row.snapshot is not None:
        # Last, so the URL is not followed by text a reader might take as part of it.
        parts.append(f"Archived copy ({note}): {row.snapshot.archive_url}")
    return " ".join(parts)


# The runner splits a command at "::" and its properties at "," and "=" only
# after undoing these escapes, so any text may pass through (see the
# workflow-commands documentation and actions/toolkit's command.ts).
def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
