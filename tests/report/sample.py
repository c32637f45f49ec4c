"""A fixed collection of report rows covering every case a reader meets.

Alive, moved through a permanent redirect, dead with an archived copy from
before the citation, dead with one only from after it, soft 404, blocked,
error, and one URL cited by two documents on several lines.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from linkcheck.report import ReportData
from linkcheck.types import (
    CheckResult,
    CitationRef,
    ErrorKind,
    Hop,
    LinkRow,
    LinkState,
    Role,
    RunStatus,
    RunSummary,
    Snapshot,
    SnapshotDirection,
    Verdict,
)

CHECKED = datetime(2025, 6, 10, 8, 2, 0, tzinfo=UTC)
LOOKED_UP = datetime(2025, 6, 10, 8, 3, 0, tzinfo=UTC)

GUIDE = "docs/guide.md"
HISTORY = "docs/history.md"
NEWS = "articles/2019/06/news.txt"

DEAD_URL = "https://gone.example.net/article/42"
DEAD_ARCHIVE = "https://web.archive.org/web/20190301120000/https://gone.example.net/article/42"
VANISHED_URL = "https://vanished.example.org/page"
VANISHED_ARCHIVE = "https://web.archive.org/web/20230105000000/https://vanished.example.org/page"


def _result(url: str, verdict: Verdict, **fields: object) -> CheckResult:
    return CheckResult(url=url, verdict=verdict, checked_at=CHECKED, **fields)  # type: ignore[arg-type]


def sample_links() -> list[LinkRow]:
    alive = LinkRow(
        url="https://example.org/about",
        citations=(CitationRef(GUIDE, (4,), Role.INLINE, title="About us"),),
        result=_result(
            "https://example.org/about",
            Verdict.ALIVE,
            status_code=200,
            final_url="https://example.org/about",
            hops=(Hop("https://example.org/about", 200),),
            title="About Example",
            elapsed_ms=120.0,
        ),
        state=LinkState.ALIVE,
    )
    moved_target = "https://new.example.com/reports/2019"
    moved = LinkRow(
        url="http://old.example.com/report-2019",
        citations=(CitationRef(GUIDE, (12,), Role.INLINE, title="Annual report"),),
        result=_result(
            "http://old.example.com/report-2019",
            Verdict.MOVED,
            status_code=200,
            final_url=moved_target,
            hops=(
                Hop("http://old.example.com/report-2019", 301, moved_target),
                Hop(moved_target, 200),
            ),
            elapsed_ms=240.5,
        ),
        state=LinkState.ALIVE,
    )
    dead = LinkRow(
        url=DEAD_URL,
        citations=(
            CitationRef(NEWS, (3, 8), Role.RELATED, title="Gone | News", cited_at=date(2019, 6, 1)),
            CitationRef(GUIDE, (7, 19, 33), Role.INLINE, cited_at=date(2019, 6, 1)),
        ),
        result=_result(
            DEAD_URL,
            Verdict.DEAD,
            status_code=404,
            final_url=DEAD_URL,
            hops=(Hop(DEAD_URL, 404),),
            error_kind=ErrorKind.HTTP_STATUS,
            error="Not Found",
            elapsed_ms=80.0,
            attempts=1,
        ),
        state=LinkState.DEAD,
        snapshot=Snapshot(
            url=DEAD_URL,
            looked_up_at=LOOKED_UP,
            direction=SnapshotDirection.BEFORE,
            archive_url=DEAD_ARCHIVE,
            captured_at=datetime(2019, 3, 1, 12, 0, 0, tzinfo=UTC),
            status_code=200,
            cited_at=date(2019, 6, 1),
        ),
        first_failed_at=datetime(2025, 5, 1, 8, 0, 0, tzinfo=UTC),
        confirmed_dead_at=datetime(2025, 6, 10, 8, 2, 0, tzinfo=UTC),
    )
    vanished = LinkRow(
        url=VANISHED_URL,
        citations=(CitationRef(HISTORY, (10,), Role.INLINE, cited_at=date(2021, 2, 2)),),
        result=_result(
            VANISHED_URL,
            Verdict.DEAD,
            error_kind=ErrorKind.DNS,
            error="host name does not exist",
            elapsed_ms=15.0,
        ),
        state=LinkState.DEAD,
        snapshot=Snapshot(
            url=VANISHED_URL,
            looked_up_at=LOOKED_UP,
            direction=SnapshotDirection.AFTER,
            archive_url=VANISHED_ARCHIVE,
            captured_at=datetime(2023, 1, 5, 0, 0, 0, tzinfo=UTC),
            status_code=200,
            cited_at=date(2021, 2, 2),
        ),
    )
    soft = LinkRow(
        url="https://shop.example.com/product/123",
        citations=(CitationRef(GUIDE, (25,), Role.INLINE),),
        result=_result(
            "https://shop.example.com/product/123",
            Verdict.SOFT_404,
            status_code=200,
            final_url="https://shop.example.com/",
            hops=(
                Hop("https://shop.example.com/product/123", 302, "/"),
                Hop("https://shop.example.com/", 200),
            ),
            error="redirected to the site's home page",
        ),
        state=LinkState.FAILING,
        snapshot=Snapshot(
            url="https://shop.example.com/product/123",
            looked_up_at=LOOKED_UP,
            direction=SnapshotDirection.NONE,
        ),
    )
    blocked = LinkRow(
        url="https://paywall.example.com/story",
        citations=(CitationRef(HISTORY, (2,), Role.INLINE),),
        result=_result(
            "https://paywall.example.com/story",
            Verdict.BLOCKED,
            status_code=403,
            final_url="https://paywall.example.com/story",
            hops=(Hop("https://paywall.example.com/story", 403),),
        ),
        state=LinkState.ALIVE,
    )
    error = LinkRow(
        url="https://slow.example.net/data",
        citations=(CitationRef(HISTORY, (14, 15), Role.INLINE),),
        result=_result(
            "https://slow.example.net/data",
            Verdict.ERROR,
            error_kind=ErrorKind.TIMEOUT,
            error="no answer after 30 s",
            attempts=3,
        ),
        state=LinkState.FAILING,
    )
    return [alive, moved, dead, vanished, soft, blocked, error]


def sample_runs() -> list[RunSummary]:
    def run(run_id: int, day: int, counts: dict[Verdict, int]) -> RunSummary:
        return RunSummary(
            id=run_id,
            started_at=datetime(2025, 6, day, 8, 0, 0, tzinfo=UTC),
            finished_at=datetime(2025, 6, day, 8, 4, 30, tzinfo=UTC),
            status=RunStatus.COMPLETED,
            counts=counts,
            total=sum(counts.values()),
        )

    return [
        run(5, 1, {Verdict.ALIVE: 6, Verdict.BLOCKED: 1}),
        run(6, 5, {Verdict.ALIVE: 4, Verdict.DEAD: 1, Verdict.BLOCKED: 1, Verdict.ERROR: 1}),
        run(
            7,
            10,
            {
                Verdict.ALIVE: 1,
                Verdict.MOVED: 1,
                Verdict.DEAD: 2,
                Verdict.SOFT_404: 1,
                Verdict.BLOCKED: 1,
                Verdict.ERROR: 1,
            },
        ),
    ]


def sample_data() -> ReportData:
    runs = sample_runs()
    return ReportData(
        links=sample_links(),
        run=runs[-1],
        runs=runs,
        generated_at=datetime(2025, 6, 10, 8, 5, 0, tzinfo=UTC),
    )


def unstated(row: LinkRow) -> LinkRow:
    """``row``'s check as a history row with no link state recorded (as before revision 0002)."""
    return LinkRow(url=row.url, citations=(), result=row.result)
