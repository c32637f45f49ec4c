"""Plain text for logs and pipes; a rich table when the CLI says colour is on."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    archive_failure,
    archive_note,
    citation_count,
    document_count,
    grouped,
    moved_to,
    outcome,
    plural,
    sections,
    sorted_citations,
    verdict_counts,
    verdict_name,
    where,
)
from linkcheck.report.visible import visible
from linkcheck.types import LinkRow

INDENT = "    "

#: rich styles per verdict name; "unchecked" and anything unknown stay plain.
STYLES = {
    "dead": "bold red",
    "soft_404": "red",
    "error": "yellow",
    "blocked": "magenta",
    "moved": "cyan",
    "invalid": "yellow",
    "skipped": "dim",
    "alive": "green",
}


def render_text(data: ReportData, options: ReportOptions) -> str:
    if options.color:
        return _render_rich(data, options)
    # The lines are this renderer's own layout; any control character in one
    # came from a value (a file name, a title) and is shown, not sent.
    return "\n".join(map(visible, _plain_lines(data, options))).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- plain


def _plain_lines(data: ReportData, options: ReportOptions) -> list[str]:
    lines = [options.title, *_header_lines(data), ""]
    headed = sections(data, options)
    for heading, rows in headed:
        if rows:  # an empty section says nothing the line below does not
            lines.append(f"{heading} ({len(rows)})")
            lines.extend(_rows_lines(rows, options))
    if not any(rows for _, rows in headed):
        lines.append("No failing or noteworthy links.")
    return lines


def _header_lines(data: ReportData) -> list[str]:
    lines: list[str] = []
    if data.run is not None:
        run = data.run
        finished = (
            f", finished {run.finished_at.isoformat(timespec='seconds')}" if run.finished_at else ""
        )
        started = run.started_at.isoformat(timespec="seconds")
        lines.append(f"Run {run.id}: {run.status}, started {started}{finished}")
        if run.error:
            lines.append(f"Stopped by: {run.error}")
        if run.total and run.total != len(data.links):
            # The rows shown are not the run's own checks one for one: pruned since,
            # filtered, or joined by known failures the run did not check again.
            found = "  ".join(f"{verdict} {n}" for verdict, n in run.counts.items() if n)
            lines.append(f"The run itself checked {plural(run.total, 'link')}: {found}")
    if data.generated_at is not None:
        lines.append(f"Generated {data.generated_at.isoformat()}")
    links = data.links
    lines.append(
        f"{plural(len(links), 'link')}, cited {plural(citation_count(links), 'time')} in "
        f"{plural(document_count(links), 'document')}"
    )
    counts = verdict_counts(links)
    lines.append("  ".join(f"{name} {count}" for name, count in counts.items()))
    return lines


def _rows_lines(rows: Sequence[LinkRow], options: ReportOptions) -> list[str]:
    if options.group_by is None:
        return [line for row in rows for line in _link_lines(row)] + [""]
    lines: list[str] = []
    for name, group in grouped(rows, options.group_by):
        lines.append(f"  {name}")
        lines.extend(INDENT + line for row in group for line in _link_lines(row))
    return [*lines, ""]


def _link_lines(row: LinkRow) -> list[str]:
    lines = [f"  {verdict_name(row).upper():<9} {row.url}", f"{INDENT}  {outcome(row)}"]
    final = moved_to(row)
    if final is not None:
        lines.append(f"{INDENT}  now at {final}")
    note = archive_note(row)
    if note is not None and row.snapshot is not None:
        lines.append(f"{INDENT}  archived copy ({note}):")
        lines.append(f"{INDENT}    {row.snapshot.archive_url}")
    failure = archive_failure(row)
    if failure is not None:
        lines.append(f"{INDENT}  archive look-up failed ({failure}): ask again later")
    lines.append(f"{INDENT}  {_cited_in(row)}")
    return lines


def _cited_in(row: LinkRow) -> str:
    if not row.citations:  # a report of an older run: the documents citing it are gone
        return "cited in no stored document now"
    return "cited in " + "; ".join(map(where, sorted_citations(row)))


# --------------------------------------------------------------------------- rich


def _render_rich(data: ReportData, options: ReportOptions) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=True, width=options.width, highlight=False, soft_wrap=False
    )
    console.print(Text(visible(options.title), style="bold"))
    for line in _header_lines(data):
        console.print(Text(visible(line)))
    for heading, rows in sections(data, options):
        if rows:
            console.print(_table(heading, rows))
    return buffer.getvalue()


def _table(heading: str, rows: Sequence[LinkRow]) -> Table:
    table = Table(title=f"{heading} ({len(rows)})", title_justify="left", show_lines=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("link", overflow="fold")
    table.add_column("outcome")
    table.add_column("archived copy", overflow="fold")
    table.add_column("cited in", overflow="fold")
    for row in rows:
        name = verdict_name(row)
        # Line breaks between values are the cell's layout; values themselves go through visible().
        final = moved_to(row)
        link = visible(row.url) if final is None else f"{visible(row.url)}\n→ {visible(final)}"
        archive = ""
        if row.snapshot is not None and row.snapshot.archive_url is not None:
            archive = f"{visible(row.snapshot.archive_url)}\n{archive_note(row)}"
        failure = archive_failure(row)
        if failure is not None:
            archive = visible(f"look-up failed: {failure}")
        cited = (
            "\n".join(visible(where(ref)) for ref in sorted_citations(row))
            or "no stored document now"
        )
        # Text() cells: a URL with brackets must never be read as rich markup.
        table.add_row(
            Text(name, style=STYLES.get(name, "")),
            Text(link),
            Text(visible(outcome(row))),
            Text(archive),
            Text(cited),
        )
    return table
