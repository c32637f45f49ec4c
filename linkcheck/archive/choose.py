"""Which archived capture best stands for a citation: pure rules, no HTTP.

The citation point is the day the document cited the source (else the last
time we saw the link alive).  What the reader wants is the page *as cited*, so
the preferred capture is the latest good one at or before that point (what
InternetArchiveBot does); failing that, the earliest good one after it,
flagged with its distance; with no citation point, the newest good capture.
"Good" means the archive recorded a 2xx answer: captures of 404s, redirects
and ``-`` (revisit/unknown) records do not stand for the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from linkcheck.types import SnapshotDirection

TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"


def parse_timestamp(timestamp: str) -> datetime:
    """A 14-digit archive timestamp (always UTC) as an aware datetime."""
    return datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def format_timestamp(moment: datetime) -> str:
    """An exact 14-digit archive timestamp; naive datetimes are taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(TIMESTAMP_FORMAT)


@dataclass(frozen=True, slots=True)
class Capture:
    """One line of the archive's capture index."""

    timestamp: str  # 14 digits, UTC
    original: str  # the URL as the archive captured it
    status: str  # the HTTP status the archive recorded, or "-"

    @property
    def captured_at(self) -> datetime:
        return parse_timestamp(self.timestamp)

    @property
    def is_good(self) -> bool:
        """Whether the archive recorded a 2xx answer for this capture."""
        return len(self.status) == 3 and self.status.isdigit() and self.status.startswith("2")


@dataclass(frozen=True, slots=True)
class CitationPoint:
    """When the source was cited, and the last instant that still counts as "before"."""

    cited_on: date
    moment: datetime  # start of the cited day, or the exact last-alive instant
    cutoff: datetime  # captures up to and including this instant are "before"

    @classmethod
    def from_inputs(
        cls, cited_at: date | None, last_alive: datetime | None
    ) -> CitationPoint | None:
        """The document's date wins; else the last time the link was seen alive."""
        if cited_at is not None:
            start = datetime.combine(cited_at, time.min, tzinfo=UTC)
            end = datetime.combine(cited_at, time(23, 59, 59), tzinfo=UTC)
            return cls(cited_on=cited_at, moment=start, cutoff=end)
        if last_alive is not None:
            instant = _as_utc(last_alive).replace(microsecond=0)
            return cls(cited_on=instant.date(), moment=instant, cutoff=instant)
        return None

    @property
    def first_after(self) -> datetime:
        """The first whole second that counts as "after" the citation."""
        return self.cutoff + timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A capture worth trying, in the direction it lies from the citation."""

    capture: Capture
    direction: SnapshotDirection
    distance: timedelta | None


def rank_candidates(
    captures: Iterable[Capture], point: CitationPoint | None, limit: int
) -> list[Candidate]:
    """Good captures in the order they should be tried, at most ``limit`` per direction.

    With a citation point: captures at or before it, newest first, then
    captures after it, oldest first.  Without one: newest first.
    """
    good = sorted({c for c in captures if c.is_good}, key=lambda c: c.timestamp)
    if point is None:
        return [Candidate(c, SnapshotDirection.UNDATED, None) for c in reversed(good)][:limit]
    before = [c for c in reversed(good) if c.captured_at <= point.cutoff][:limit]
    after = [c for c in good if c.captured_at > point.cutoff][:limit]
    return [_candidate(c, SnapshotDirection.BEFORE, point) for c in before] + [
        _candidate(c, SnapshotDirection.AFTER, point) for c in after
    ]


def _candidate(capture: Capture, direction: SnapshotDirection, point: CitationPoint) -> Candidate:
    # The distance is how far the capture lies from the citation, either way.
    return Candidate(capture, direction, abs(capture.captured_at - point.moment))


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
