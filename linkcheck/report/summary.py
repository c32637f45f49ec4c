"""Small helpers every renderer shares: ordering, counting, selecting, wording.

Renderers differ in syntax, not in what they say, so what a link's outcome
*means* in words lives here once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from linkcheck.report.model import GroupBy, ReportData, ReportOptions
from linkcheck.types import (
    CitationRef,
    ErrorKind,
    LinkRow,
    Snapshot,
    SnapshotDirection,
    Verdict,
)

#: Most serious first: the order findings are listed in and counts are shown in.
VERDICT_ORDER: tuple[Verdict, ...] = (
    Verdict.DEAD,
    Verdict.SOFT_404,
    Verdict.ERROR,
    Verdict.BLOCKED,
    Verdict.MOVED,
    Verdict.INVALID,
    Verdict.SKIPPED,
    Verdict.ALIVE,
)
#: Shown for a link the store holds but has never checked.
UNCHECKED = "unchecked"
#: Verdicts nobody needs to look at.
QUIET_VERDICTS = frozenset({Verdict.ALIVE, Verdict.SKIPPED})

#: A short headline for a link with this verdict (annotation titles, rule names).
LINK_TITLES: dict[Verdict, str] = {
    Verdict.ALIVE: "Link alive",
    Verdict.MOVED: "Link moved",
    Verdict.SOFT_404: "Page gone (soft 404)",
    Verdict.DEAD: "Dead link",
    Verdict.BLOCKED: "Site blocked the check",
    Verdict.ERROR: "Link could not be checked",
    Verdict.INVALID: "Invalid URL",
    Verdict.SKIPPED: "Link skipped",
}


def verdict_of(row: LinkRow) -> Verdict | None:
    return row.result.verdict if row.result is not None else None


def verdict_name(row: LinkRow) -> str:
    verdict = verdict_of(row)
    return str(verdict) if verdict is not None else UNCHECKED


_RANKS = {verdict: rank for rank, verdict in enumerate(VERDICT_ORDER)}


def _rank(row: LinkRow) -> int:
    verdict = verdict_of(row)
    return _RANKS[verdict] if verdict is not None else len(VERDICT_ORDER)


def severity_key(row: LinkRow) -> tuple[int, str]:
    """Most serious verdict first, then by URL."""
    return (_rank(row), row.url)


def by_severity(rows: Iterable[LinkRow]) -> list[LinkRow]:
    """Most serious verdict first, then by URL, so output is stable."""
    return sorted(rows, key=severity_key)


def by_url(rows: Iterable[LinkRow]) -> list[LinkRow]:
    return sorted(rows, key=lambda row: row.url)


def is_failing(row: LinkRow, options: ReportOptions) -> bool:
    return verdict_of(row) in options.fail_on and not options.excused(row)


def is_excused(row: LinkRow, options: ReportOptions) -> bool:
    """Failing by verdict, but excused by the baseline or the ignore list."""
    return verdict_of(row) in options.fail_on and options.excused(row)


def needs_attention(row: LinkRow, options: ReportOptions) -> bool:
    """Not failing, but worth a look: moved, blocked, error, invalid."""
    verdict = verdict_of(row)
    return verdict is not None and verdict not in QUIET_VERDICTS and verdict not in options.fail_on


def failing_rows(data: ReportData, options: ReportOptions) -> list[LinkRow]:
    """Links whose verdict the ``fail_on`` policy counts as failures, most serious first."""
    return by_severity(row for row in data.links if is_failing(row, options))


def attention_rows(data: ReportData, options: ReportOptions) -> list[LinkRow]:
    return by_severity(row for row in data.links if needs_attention(row, options))


def sections(data: ReportData, options: ReportOptions) -> list[tuple[str, list[LinkRow]]]:
    """The headed lists a human report shows: failing, then noteworthy (or all links)."""
    if options.show_all:
        return [("All links", by_severity(data.links))]
    if options.only_failing:
        return [("Failing", failing_rows(data, options))]
    excused = by_severity(row for row in data.links if is_excused(row, options))
    return [
        ("Failing", failing_rows(data, options)),
        ("Needs attention", attention_rows(data, options)),
        ("Not counted (already failing in the baseline, or ignored)", excused),
    ]


def sorted_citations(row: LinkRow) -> Sequence[CitationRef]:
    citations = row.citations
    if len(citations) < 2:  # most links: nothing to sort
        return citations
    return sorted(citations, key=lambda ref: (ref.document, ref.lines))


# --------------------------------------------------------------------------- counting


def verdict_counts(links: Sequence[LinkRow]) -> dict[str, int]:
    """Links per verdict name, in severity order, zeros left out."""
    counts = Counter(verdict_name(row) for row in links)
    order = [str(v) for v in VERDICT_ORDER] + [UNCHECKED]
    return {name: counts[name] for name in order if counts[name]}


def citation_count(links: Sequence[LinkRow]) -> int:
    return sum(len(row.citations) for row in links)


def document_count(links: Sequence[LinkRow]) -> int:
    return len({ref.document for row in links for ref in row.citations})


# --------------------------------------------------------------------------- grouping


def is_web_url(url: str) -> bool:
    """Only http(s) addresses become clickable: a cited ``javascript:`` URL stays text."""
    if url[:6].lower().startswith(("http:", "https:")):  # nearly every URL: no parsing
        return True
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


#: Where a URL's authority ends (``urlsplit``'s rule).
_AUTHORITY_END = re.compile(r"[/?#]")


def domain_of(url: str) -> str:
    """The site a URL belongs to, for "which sites rot most" (``www.`` ignored).

    Parsed once per scheme and authority (a report asks for every link, and
    links share a few thousand hosts), not once per URL.
    """
    start = url.find("//")
    if start < 0:
        return _domain_of_prefix(url)
    end = _AUTHORITY_END.search(url, start + 2)
    return _domain_of_prefix(url[: end.start()] if end else url)


@lru_cache(maxsize=8192)
def _domain_of_prefix(prefix: str) -> str:
    host = urlsplit(prefix).hostname or ""
    return host.removeprefix("www.") or "(no host)"


def grouped(rows: Sequence[LinkRow], by: GroupBy) -> list[tuple[str, list[LinkRow]]]:
    """Rows under each document (a link under every document citing it) or domain.

    Under a document, a row keeps only that document's citations, so each
    group lists exactly the lines to fix there.
    """
    groups: dict[str, list[LinkRow]] = {}
    for row in rows:
        if by == "domain":
            groups.setdefault(domain_of(row.url), []).append(row)
            continue
        for ref in row.citations:
            only_here = LinkRow(
                url=row.url,
                citations=(ref,),
                result=row.result,
                state=row.state,
                snapshot=row.snapshot,
                first_failed_at=row.first_failed_at,
                confirmed_dead_at=row.confirmed_dead_at,
            )
            groups.setdefault(ref.document, []).append(only_here)
    return sorted(groups.items())


# --------------------------------------------------------------------------- wording


def iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def day(moment: datetime | date | None) -> str:
    """A date for humans: ``2024-05-01`` (times are noise in a citation list)."""
    if moment is None:
        return "unknown date"
    return (moment.date() if isinstance(moment, datetime) else moment).isoformat()


def outcome(row: LinkRow) -> str:
    """What the last check saw, in a few words: ``HTTP 404 Not Found``, ``dns: no such host``.

    A redirect chain shows as its statuses (``HTTP 301 → 200``) so a reader sees
    at a glance why a link counts as moved.
    """
    result = row.result
    if result is None:
        return "not checked yet"
    parts: list[str] = []
    if len(result.hops) > 1:
        parts.append("HTTP " + " → ".join(str(hop.status_code) for hop in result.hops))
    elif result.status_code is not None:
        parts.append(f"HTTP {result.status_code}")
    if result.error_kind == ErrorKind.HTTP_STATUS and parts:
        # The status already says what kind of error it is; keep only its reason.
        redundant = not result.error or result.error == parts[0]
        return parts[0] if redundant else f"{parts[0]} {result.error}"
    if result.error_kind is not None:
        parts.append(f"{result.error_kind}: {result.error}" if result.error else result.error_kind)
    elif result.error:
        parts.append(result.error)
    return ", ".join(parts) or str(result.verdict)


def moved_to(row: LinkRow) -> str | None:
    """The final URL when the check ended somewhere else than it started."""
    result = row.result
    if result is None or not result.final_url or result.final_url == row.url:
        return None
    return result.final_url


def archive_found(row: LinkRow) -> bool:
    return row.snapshot is not None and row.snapshot.archive_url is not None


def archive_direction(snapshot: Snapshot) -> SnapshotDirection | None:
    """Where the copy shown lies; ``None`` for a look-up that failed: it found out
    nothing, not that the archive holds no copy (``none``)."""
    return None if snapshot.error is not None else snapshot.direction


def archive_failure(row: LinkRow) -> str | None:
    """Why the archive could not be asked about ``row``, when no look-up got an answer.

    Not "no copy": the archive may hold one, and ``linkcheck archive`` asks again.
    """
    snapshot = row.snapshot
    return snapshot.error if snapshot is not None else None


def archive_note(row: LinkRow) -> str | None:
    """``captured 2020-05-01`` plus a warning when the capture postdates the citation."""
    snapshot = row.snapshot
    if snapshot is None or snapshot.archive_url is None:
        return None
    note = f"captured {day(snapshot.captured_at)}"
    if snapshot.direction == SnapshotDirection.AFTER:
        cited = f" of {day(snapshot.cited_at)}" if snapshot.cited_at else ""
        note += f", AFTER the citation{cited}: check it shows what was cited"
    return note


def minute(moment: datetime) -> str:
    """``2025-06-10 08:00 UTC``: a run's time for a heading."""
    zone = moment.tzname()
    return moment.strftime("%Y-%m-%d %H:%M") + (f" {zone}" if zone else "")


def title_of(row: LinkRow) -> str:
    verdict = verdict_of(row)
    return LINK_TITLES[verdict] if verdict is not None else "Link not checked yet"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def line_list(lines: Sequence[int]) -> str:
    """``line 3`` / ``lines 3, 8`` (the first ``SHOWN_LINES``, then how many in all)."""
    numbers = ", ".join(str(line) for line in lines[:SHOWN_LINES])
    if len(lines) > SHOWN_LINES:
        numbers += f", … ({len(lines)} in all)"
    return f"line {numbers}" if len(lines) == 1 else f"lines {numbers}"


def lines_text(lines: Sequence[int]) -> str:
    """``3,17`` (the first ``SHOWN_LINES``, then how many in all)."""
    numbers = ",".join(str(line) for line in lines[:SHOWN_LINES])
    if len(lines) > SHOWN_LINES:
        numbers += f",… ({len(lines)} lines)"
    return numbers


#: Line numbers a report shows for one citation before it counts the rest: a URL
#: repeated on every line of a huge file must not make one report line megabytes long.
#: (JSON and CSV, which programs read, keep every line.)
SHOWN_LINES = 10


def where(ref: CitationRef) -> str:
    """``docs/a.md:3,17`` (just the document when no line is known)."""
    return f"{ref.document}:{lines_text(ref.lines)}" if ref.lines else ref.document
