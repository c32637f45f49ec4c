"""The HTML report: one self-contained page a non-programmer can read.

No network fetches (CSS inline, chart as inline SVG, no scripts; a Content
Security Policy says so to the browser), and every piece of data is escaped:
URLs and titles come from documents and web pages nobody vetted.  Cited
links carry Robust Links attributes (``data-originalurl``,
``data-versionurl``, ``data-versiondate``), so the page itself is a durable
citation list.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from html import escape

from linkcheck.report.changes import grouped_changes
from linkcheck.report.html_chart import COLORS, STACK, render_chart
from linkcheck.report.html_style import STYLESHEET
from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    LINK_TITLES,
    archive_failure,
    archive_found,
    attention_rows,
    by_severity,
    citation_count,
    document_count,
    domain_of,
    failing_rows,
    is_web_url,
    line_list,
    minute,
    moved_to,
    needs_attention,
    outcome,
    plural,
    severity_key,
    sorted_citations,
    verdict_of,
)
from linkcheck.report.visible import visible
from linkcheck.types import LinkRow, SnapshotDirection

#: No scripts, no fetches: only the inline stylesheet and inline images.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
MAX_DOMAINS = 20
#: Links the "all links" section lists without ``show_all`` (``--all``): a
#: nightly run of 240k links would otherwise make a 200 MB page nobody reads.
MAX_LISTED = 500
#: Rows each findings table (dead, worth a look) shows without ``show_all``: a
#: night with 36k dead and 60k noteworthy links made a 60 MB page.
MAX_FINDINGS = 2000


def render_html(data: ReportData, options: ReportOptions) -> str:
    failing = failing_rows(data, options)
    body = [
        _header(data, options),
        _changes_section(data),
        _headline(data, failing),
        _dead_section(failing, options, data.links),
        _trend_section(data),
        _attention_section(attention_rows(data, options), options),
        _domains_section(data, options),
        _all_links_section(data, options),
        "<footer>Made by linkcheck. Archived copies are from the Internet Archive's "
        "Wayback Machine.</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(options.title)}</title>\n<style>{STYLESHEET}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def e(value: object) -> str:
    """Escape for text and attribute values alike (quotes included).

    Control characters are shown as ``\\x1b``: most are not allowed in HTML (nor
    in XML, for tools that parse the page as XHTML), and none belongs in a value.
    """
    return escape(visible(str(value)), quote=True)


def human_date(moment: datetime | date | None) -> str:
    if moment is None:
        return "an unknown date"
    return f"{moment.day} {moment:%B %Y}"


# --------------------------------------------------------------------------- sections


def _header(data: ReportData, options: ReportOptions) -> str:
    facts: list[str] = []
    if data.run is not None:
        facts.append(
            f"Run {data.run.id} ({data.run.status}), started {minute(data.run.started_at)}"
        )
        if data.run.error:
            facts.append(f"stopped by: {data.run.error}")
    if data.generated_at is not None:
        facts.append(f"report made {minute(data.generated_at)}")
    meta = f'<p class="meta">{e(" · ".join(facts))}</p>' if facts else ""
    return f"<header><h1>{e(options.title)}</h1>{meta}</header>"


def _headline(data: ReportData, failing: Sequence[LinkRow]) -> str:
    links = data.links
    archived = sum(1 for row in failing if archive_found(row))
    dead_citations = citation_count(failing)
    sources, documents = plural(len(links), "source"), plural(document_count(links), "document")
    citations = citation_count(links)
    stats = [
        (
            "citations",
            citations,
            f"{'citation' if citations == 1 else 'citations'} of {sources} in {documents}",
        ),
        (
            "dead",
            len(failing),
            f"dead {'source' if len(failing) == 1 else 'sources'}, "
            f"cited {plural(dead_citations, 'time')}",
        ),
        (
            "archived",
            archived,
            f"of the dead {'source has' if archived == 1 else 'sources have'} an archived copy",
        ),
    ]
    cards = "".join(
        f'<div class="stat {kind}" id="stat-{kind}"><span class="number">{number}</span>'
        f'<span class="label">{e(label)}</span></div>'
        for kind, number, label in stats
    )
    return f'<section class="headline" aria-label="Summary">{cards}</section>'


def _changes_section(data: ReportData) -> str:
    """What changed since the previous completed run: the news an archivist reads first."""
    if not data.changes:
        return ""
    groups = "".join(
        f"<h3>{e(heading)} ({len(group)})</h3><ul>"
        + "".join(
            f"<li>{_plain_link(change.url)} — cited in "
            + e("; ".join(ref.document for ref in change.citations) or "no document")
            + "</li>"
            for change in group
        )
        + "</ul>"
        for heading, group in grouped_changes(data.changes)
    )
    return f'<section id="changes"><h2>Since the last run</h2>{groups}</section>'


def _plain_link(url: str) -> str:
    href = safe_href(url)
    return f'<a href="{e(href)}">{e(url)}</a>' if href else e(url)


def _dead_section(rows: Sequence[LinkRow], options: ReportOptions, links: Sequence[LinkRow]) -> str:
    if not rows:
        # Said of the links this report holds, no more: after a --limit or --budget
        # night some cited links were never asked (report --current lists them).
        checked = sum(row.result is not None for row in links)
        lead = f"No dead sources among the {plural(checked, 'link')} checked."
        if unchecked := len(links) - checked:
            lead += f" {plural(unchecked, 'link')} not checked yet."
        return f'<section id="dead"><h2>Dead sources</h2><p class="lead">{lead}</p></section>'

    return (
        f'<section id="dead"><h2>Dead sources ({len(rows)})</h2>'
        '<p class="lead">These pages are gone. Where an archived copy exists, '
        "cite it instead (or beside the original).</p>"
        + _findings_table(rows, options)
        + "</section>"
    )


def _attention_section(rows: Sequence[LinkRow], options: ReportOptions) -> str:
    if not rows:
        return ""
    return (
        f'<section id="attention"><h2>Worth a look ({len(rows)})</h2>'
        '<p class="lead">Not dead, but moved to a new address, or the site would not let us '
        "check, or the check failed tonight.</p>" + _findings_table(rows, options) + "</section>"
    )


def _findings_table(rows: Sequence[LinkRow], options: ReportOptions) -> str:
    """Rows most serious first (as given), the first ``MAX_FINDINGS`` unless ``show_all``."""
    shown = rows if options.show_all else rows[:MAX_FINDINGS]
    more = len(rows) - len(shown)
    note = (
        f'<p class="lead">…and {more} more not listed here (<code>linkcheck report --all</code>, '
        "or the CSV or JSON report, lists every one).</p>"
        if more
        else ""
    )
    head = (
        "<thead><tr><th>Source</th><th>What we found</th><th>Archived copy</th>"
        "<th>Cited in</th></tr></thead>"
    )
    body = "".join(
        f'<tr class="finding" data-verdict="{e(verdict_of(row) or "unchecked")}">'
        f"<td>{_source_cell(row)}</td><td>{_outcome_cell(row)}</td>"
        f"<td>{_archive_cell(row)}</td><td>{_cited_cell(row)}</td></tr>"
        for row in shown
    )
    return f'<table class="findings">{head}<tbody>{body}</tbody></table>{note}'


def _domains_section(data: ReportData, options: ReportOptions) -> str:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in data.links:
        counts = totals[domain_of(row.url)]
        counts[0] += 1
        counts[1] += verdict_of(row) in options.fail_on
        counts[2] += needs_attention(row, options)
    ranked = sorted(
        totals.items(), key=lambda item: (-item[1][1], -item[1][1] / item[1][0], item[0])
    )
    rows = "".join(_domain_row(domain, *counts) for domain, counts in ranked[:MAX_DOMAINS])
    more = len(ranked) - MAX_DOMAINS
    note = f'<p class="lead">…and {plural(more, "more site")}.</p>' if more > 0 else ""
    return (
        '<section id="domains"><h2>Sites that rot most</h2>'
        '<p class="lead">Cited sites, most dead links first.</p>'
        '<table><thead><tr><th>Site</th><th class="number">Links</th><th class="number">Dead</th>'
        '<th class="number">Worth a look</th><th>Share dead</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>{note}</section>"
    )


def _domain_row(domain: str, links: int, dead: int, attention: int) -> str:
    share = dead / links if links else 0.0
    return (
        f'<tr><td>{e(domain)}</td><td class="number">{links}</td>'
        f'<td class="number">{dead}</td><td class="number">{attention}</td>'
        f'<td><div class="share"><div class="track"><div class="fill" '
        f'style="width:{share * 100:.0f}%"></div></div>{share:.0%}</div></td></tr>'
    )


def _trend_section(data: ReportData) -> str:
    runs = list(data.runs) or ([data.run] if data.run is not None else [])
    if not runs:
        return (
            '<section id="trend"><h2>Link rot over time</h2>'
            '<p class="lead">No runs stored yet.</p></section>'
        )
    legend = "".join(
        f'<li><i style="background:{COLORS[verdict]}"></i>{e(verdict)}</li>' for verdict in STACK
    )
    return (
        '<section id="trend"><h2>Link rot over time</h2>'
        f'<p class="lead">How many links each check run found in each state '
        f"({plural(len(runs), 'run')}, oldest on the left).</p>"
        f'{render_chart(runs)}<ul class="legend">{legend}</ul></section>'
    )


def _all_links_section(data: ReportData, options: ReportOptions) -> str:
    """Every link, most serious first; the first ``MAX_LISTED`` unless ``show_all``."""
    total = len(data.links)
    if options.show_all or total <= MAX_LISTED:
        listed = by_severity(data.links)
    else:  # the most serious first, without sorting the whole run
        listed = heapq.nsmallest(MAX_LISTED, data.links, key=severity_key)
    rows = "".join(
        f"<tr><td>{_source_cell(row)}</td><td>{_badge(row)}</td>"
        f"<td>{_outcome_cell(row)}</td><td>{_cited_cell(row)}</td></tr>"
        for row in listed
    )
    more = total - len(listed)
    note = (
        f'<p class="lead">…and {plural(more, "more link")} not listed here '
        "(<code>linkcheck report --all</code> lists every one).</p>"
        if more
        else ""
    )
    return (
        f'<section id="all"><details><summary>All {plural(total, "cited link")}'
        "</summary><table><thead><tr><th>Source</th><th>Verdict</th><th>What we found</th>"
        f"<th>Cited in</th></tr></thead><tbody>{rows}</tbody></table>{note}</details></section>"
    )


# --------------------------------------------------------------------------- cells


def safe_href(url: str | None) -> str | None:
    """Only web addresses become links: a cited ``javascript:`` URL stays text."""
    return url if url is not None and is_web_url(url) else None


def _source_cell(row: LinkRow) -> str:
    title = next((ref.title for ref in sorted_citations(row) if ref.title), None)
    if title is None and row.result is not None:
        title = row.result.title
    title_html = f'<div class="title">{e(title)}</div>' if title else ""
    return _robust_link(row) + title_html


def _robust_link(row: LinkRow) -> str:
    """The cited URL with Robust Links attributes: the original, its archived version, a date."""
    attributes = [f'data-originalurl="{e(row.url)}"']
    snapshot = row.snapshot
    version_url = safe_href(snapshot.archive_url) if snapshot is not None else None
    if version_url is not None:
        attributes.append(f'data-versionurl="{e(version_url)}"')
    version_date = _version_date(row)
    if version_date is not None:
        attributes.append(f'data-versiondate="{version_date.isoformat()}"')
    href = safe_href(row.url)
    if href is None:
        return f'<span class="url" {" ".join(attributes)}>{e(row.url)}</span>'
    return f'<a class="url" href="{e(href)}" {" ".join(attributes)}>{e(row.url)}</a>'


def _version_date(row: LinkRow) -> date | None:
    """The date of the version the citation means: when it was cited, else the capture's."""
    cited = sorted(ref.cited_at for ref in row.citations if ref.cited_at is not None)
    if cited:
        return cited[0]
    snapshot = row.snapshot
    if snapshot is not None and snapshot.captured_at is not None:
        return snapshot.captured_at.date()
    return None


def _badge(row: LinkRow) -> str:
    verdict = verdict_of(row)
    color = COLORS[verdict] if verdict is not None else "#7a8793"
    label = LINK_TITLES[verdict] if verdict is not None else "Not checked yet"
    return f'<span class="badge" style="background:{color}">{e(label)}</span>'


def _outcome_cell(row: LinkRow) -> str:
    parts = [_badge(row), f"<div>{e(outcome(row))}</div>"]
    final = moved_to(row)
    if final is not None:
        href = safe_href(final)
        target = f'<a class="url" href="{e(href)}">{e(final)}</a>' if href else e(final)
        parts.append(f"<div>Now at {target}</div>")
    if row.result is not None and len(row.result.hops) > 1:
        steps = "".join(
            f'<li><span class="url">{e(hop.url)}</span> → {hop.status_code}'
            + (f' <span class="url">→ {e(hop.location)}</span>' if hop.location else "")
            + "</li>"
            for hop in row.result.hops
        )
        parts.append(
            f"<details><summary>Redirect chain ({len(row.result.hops)} steps)</summary>"
            f"<ol>{steps}</ol></details>"
        )
    return "".join(parts)


def _archive_cell(row: LinkRow) -> str:
    snapshot = row.snapshot
    href = safe_href(snapshot.archive_url) if snapshot is not None else None
    if snapshot is None or href is None:
        looked = "No archived copy found" if snapshot is not None else "Not looked up yet"
        if (failure := archive_failure(row)) is not None:
            looked = f"Archive look-up failed ({e(failure)}); ask again later"
        return f'<span class="none">{looked}</span>'
    cell = (
        f'<a class="archive" href="{e(href)}">Archived copy</a>'
        f"<div>captured {e(human_date(snapshot.captured_at))}</div>"
    )
    if snapshot.direction == SnapshotDirection.AFTER:
        cited = f" ({e(human_date(snapshot.cited_at))})" if snapshot.cited_at else ""
        cell += (
            f'<span class="after">⚠ Captured after the citation{cited}: '
            "check it shows what was cited.</span>"
        )
    return cell


def _cited_cell(row: LinkRow) -> str:
    items = "".join(
        f"<li><code>{e(ref.document)}</code> {e(line_list(ref.lines)) if ref.lines else ''}</li>"
        for ref in sorted_citations(row)
    )
    return f'<ul class="citations">{items}</ul>'
