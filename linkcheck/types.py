"""Pure value types shared by every component.

Nothing here imports anything of ours: extraction produces :class:`Citation`
values, the checker produces :class:`CheckResult` values, the archive adapter
produces :class:`Snapshot` values, and the store and the reports exchange
:class:`LinkRow` and :class:`RunSummary` values.  ORM rows never leave
``linkcheck.store``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    """How a document cites a URL."""

    ORIGINAL = "original"  # the article's own URL, after ``Original url:``
    RELATED = "related"  # a link listed after the original URL
    INLINE = "inline"  # found in running text or markup


class DocumentFormat(StrEnum):
    ARTICLE = "article"
    MARKDOWN = "markdown"
    HTML = "html"
    TEXT = "text"


class Verdict(StrEnum):
    """The outcome of one check (see DESIGN.md, "Words")."""

    ALIVE = "alive"
    MOVED = "moved"
    SOFT_404 = "soft_404"
    DEAD = "dead"
    BLOCKED = "blocked"
    ERROR = "error"
    INVALID = "invalid"
    SKIPPED = "skipped"


#: Verdicts that say the source itself is gone (they count toward death).
GONE_VERDICTS = frozenset({Verdict.DEAD, Verdict.SOFT_404})
#: Verdicts that mean "we could not tell tonight": neither alive nor gone.
TRANSIENT_VERDICTS = frozenset({Verdict.ERROR, Verdict.BLOCKED})


class ErrorKind(StrEnum):
    """Why a check ended in ``error`` or ``dead`` (or ``skipped``/``invalid``)."""

    TIMEOUT = "timeout"
    DNS = "dns"
    REFUSED = "refused"
    RESET = "reset"
    TLS = "tls"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    HTTP_STATUS = "http_status"
    BODY_TOO_LARGE = "body_too_large"
    PROTOCOL = "protocol"
    INVALID_URL = "invalid_url"
    #: ``--exclude-private`` refused a target that resolves to a private address.
    PRIVATE_ADDRESS = "private_address"
    #: an ``--exclude`` pattern matched.
    EXCLUDED = "excluded"


class LinkState(StrEnum):
    """A link's state across runs (see DESIGN.md)."""

    ALIVE = "alive"
    FAILING = "failing"
    DEAD = "dead"
    RECOVERED = "recovered"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class SnapshotDirection(StrEnum):
    """Where the chosen capture lies relative to the citation date."""

    BEFORE = "before"  # at or before the citation date (preferred)
    AFTER = "after"  # after the citation date: flagged to the reader
    UNDATED = "undated"  # no citation date known: the newest good capture
    NONE = "none"  # the archive holds no usable capture


# --------------------------------------------------------------------------- extraction


@dataclass(frozen=True, slots=True)
class Citation:
    """One URL cited by one document.

    ``url`` is the normalized form (the dedupe key of links); ``url_as_written``
    is the first spelling found in the document.  ``lines`` are 1-based line
    numbers of every occurrence in the document, ascending.
    """

    document: str
    url: str
    url_as_written: str
    lines: tuple[int, ...]
    role: Role
    title: str | None = None
    cited_at: date | None = None
    fragment: str | None = None


@dataclass(frozen=True, slots=True)
class IgnoredLink:
    """A link found in a document that will not be checked, and why."""

    document: str
    url_as_written: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed input document and everything it cites."""

    path: str
    format: DocumentFormat
    content_hash: str
    citations: tuple[Citation, ...]
    own_url: str | None = None
    cited_at: date | None = None
    ignored: tuple[IgnoredLink, ...] = ()
    #: The file's absolute path (``None`` for standard input or text handed in): ``path``
    #: is the name relative to the working directory, which differs from run to run.
    location: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedInput:
    """An input that could not be read as text, with a message for the user."""

    path: str
    reason: str


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True, slots=True)
class Hop:
    """One HTTP response along a redirect chain."""

    url: str
    status_code: int
    location: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything one check of one URL found out.

    A dead site is a ``CheckResult``, never an exception.  ``hops`` holds every
    response received in order, the final one included, so ``hops[-1]`` is the
    final answer when there was one.
    """

    url: str
    verdict: Verdict
    checked_at: datetime
    status_code: int | None = None
    final_url: str | None = None
    hops: tuple[Hop, ...] = ()
    error_kind: ErrorKind | None = None
    error: str | None = None
    title: str | None = None
    fingerprint: str | None = None
    elapsed_ms: float | None = None
    attempts: int = 1
    method: str = "GET"

    @property
    def failing(self) -> bool:
        return self.verdict in GONE_VERDICTS


# --------------------------------------------------------------------------- archive


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The archived copy chosen for a link (or the fact that none exists)."""

    url: str
    looked_up_at: datetime
    direction: SnapshotDirection
    archive_url: str | None = None
    captured_at: datetime | None = None
    status_code: int | None = None
    cited_at: date | None = None
    distance: timedelta | None = None
    error: str | None = None

    @property
    def found(self) -> bool:
        return self.archive_url is not None


class SaveStatus(StrEnum):
    """The outcome of one Save Page Now request."""

    SUCCESS = "success"  # the archive made a capture
    PENDING = "pending"  # still running when we stopped polling
    CAPTURED_TODAY = "captured_today"  # refused as already captured (too many daily captures)
    RETRY_LATER = "retry_later"  # session limit or rate limit: try on another night
    REFUSED = "refused"  # the archive will not capture this URL (blocked-url and the like)
    ERROR = "error"  # any other failure


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    """What one Save Page Now job did."""

    url: str
    requested_at: datetime
    status: SaveStatus
    job_id: str | None = None
    archive_url: str | None = None
    captured_at: datetime | None = None
    status_ext: str | None = None  # the archive's own code, e.g. "error:blocked-url"
    error: str | None = None


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class CitationRef:
    """Where a link is cited, as reports show it."""

    document: str
    lines: tuple[int, ...]
    role: Role
    title: str | None = None
    cited_at: date | None = None


@dataclass(frozen=True, slots=True)
class LinkRow:
    """One link as a report shows it: latest check, state, snapshot, citations."""

    url: str
    citations: tuple[CitationRef, ...]
    result: CheckResult | None = None
    state: LinkState | None = None
    snapshot: Snapshot | None = None
    first_failed_at: datetime | None = None
    confirmed_dead_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LinkChange:
    """A link whose state changed in a run: newly failing, newly dead, or recovered."""

    url: str
    before: LinkState | None
    after: LinkState
    checked_at: datetime
    run_id: int
    citations: tuple[CitationRef, ...] = ()
    result: CheckResult | None = None


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: int
    started_at: datetime
    status: RunStatus
    finished_at: datetime | None = None
    counts: Mapping[Verdict, int] = field(default_factory=dict)
    total: int = 0
    #: why a failed run stopped (None for every other status)
    error: str | None = None


# --------------------------------------------------------------------------- progress events
#
# Nothing below the CLI prints: components report progress through an
# ``on_event(event)`` callback, and the CLI decides how to show it.


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every progress event."""


@dataclass(frozen=True, slots=True)
class InputSkipped(Event):
    skipped: SkippedInput


@dataclass(frozen=True, slots=True)
class LinkIgnored(Event):
    ignored: IgnoredLink


@dataclass(frozen=True, slots=True)
class ChecksPlanned(Event):
    """How many links the run checks: ``final`` once the scan is over.

    While documents are still being scanned (checking starts with the first),
    ``total`` counts the links found due so far and ``final`` is false.
    """

    total: int
    final: bool = True


@dataclass(frozen=True, slots=True)
class LinkChecked(Event):
    result: CheckResult


@dataclass(frozen=True, slots=True)
class RetryScheduled(Event):
    url: str
    attempt: int
    wait_seconds: float
    reason: str


@dataclass(frozen=True, slots=True)
class SnapshotFound(Event):
    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class SaveFinished(Event):
    outcome: SaveOutcome


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """A message for the user that is not tied to one link."""

    message: str
