"""Markdown to paste into an issue or pull request (GitHub-flavoured tables)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    archive_failure,
    archive_note,
    citation_count,
    document_count,
    failing_rows,
    grouped,
    is_web_url,
    line_list,
    minute,
    moved_to,
    outcome,
    plural,
    sections,
    sorted_citations,
    verdict_counts,
)
from linkcheck.report.visible import visible
from linkcheck.types import LinkRow

COLUMNS = ("Link", "Verdict", "What we saw", "Archived copy", "Cited in")

#: Characters with a meaning in inline Markdown (and ``|`` in tables).
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def render_markdown(data: ReportData, options: ReportOptions) -> str:
    links = data.links
    failing = failing_rows(data, options)
    lines = [f"# {text(options.title)}", "", _headline(data, len(failing)), ""]
    lines += ["| Verdict | Links |", "|---|---:|"]
    lines += [f"| {name} | {count} |" for name, count in verdict_counts(links).items()]
    lines.append("")
    for heading, rows in sections(data, options):
        if rows:
            lines += _section(heading, rows, options)
    if not failing:
        lines += ["No failing links.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _headline(data: ReportData, failing: int) -> str:
    links = data.links
    headline = (
        f"**{failing} failing** of {plural(len(links), 'link')}, "
        f"cited {plural(citation_count(links), 'time')} in "
        f"{plural(document_count(links), 'document')}."
    )
    if data.run is not None:
        headline += (
            f" Run {data.run.id} ({data.run.status}), started {minute(data.run.started_at)}."
        )
        if data.run.error:
            headline += f" Stopped by: {text(data.run.error)}"
    return headline


def _section(heading: str, rows: Sequence[LinkRow], options: ReportOptions) -> list[str]:
    lines = [f"## {heading} ({len(rows)})", ""]
    if options.group_by is None:
        return lines + _table(rows) + [""]
    for name, group in grouped(rows, options.group_by):
        lines += [f"### {text(name)}", "", *_table(group), ""]
    return lines


def _table(rows: Sequence[LinkRow]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    return lines


def _cells(row: LinkRow) -> list[str]:
    link = autolink(row.url)
    final = moved_to(row)
    if final is not None:
        link += f"<br>→ {autolink(final)}"
    archive = "none found" if row.snapshot is not None else ""
    failure = archive_failure(row)
    if failure is not None:
        archive = text(f"look-up failed: {failure}")
    note = archive_note(row)
    if note is not None and row.snapshot is not None and row.snapshot.archive_url is not None:
        archive = f"[{text(note)}]({destination(row.snapshot.archive_url)})"
    cited = "<br>".join(
        f"{code(ref.document)} {line_list(ref.lines)}" if ref.lines else code(ref.document)
        for ref in sorted_citations(row)
    )
    verdict = str(row.result.verdict) if row.result else "unchecked"
    return [link, verdict, text(outcome(row)), archive, cited]


# --------------------------------------------------------------------------- escaping


def text(value: str) -> str:
    """Plain text inside a table cell: Markdown punctuation and ``|`` escaped, one line."""
    # visible() before escaping, so the backslash of ``\x1b`` is shown, not read as Markdown.
    return _SPECIAL.sub(r"\\\1", visible(" ".join(value.split())))


def destination(url: str) -> str:
    """A URL as a link destination in ``<...>``, safe inside a table cell.

    In angle brackets only ``<``, ``>``, spaces and line breaks are not allowed;
    percent-encoding them keeps the URL's meaning.  ``|`` still splits table
    cells before links are parsed, so it is escaped.
    """
    for raw, encoded in ((" ", "%20"), ("<", "%3C"), (">", "%3E"), ("\n", "%0A"), ("\r", "%0D")):
        url = url.replace(raw, encoded)
    return "<" + visible(url).replace("|", "\\|") + ">"


def autolink(url: str) -> str:
    """A clickable URL that shows itself (``[url](<url>)``); non-web URLs stay text."""
    return f"[{text(url)}]({destination(url)})" if is_web_url(url) else text(url)


def code(value: str) -> str:
    """A file name in a code span; a backtick inside gets a longer fence."""
    value = visible(" ".join(value.split())).replace("|", "\\|")
    fence = "``" if "`" in value else "`"
    return f"{fence} {value} {fence}" if fence == "``" else f"`{value}`"
