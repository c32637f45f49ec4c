"""Conversions between table rows and the value types of :mod:`linkcheck.types`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import Row

from linkcheck.store.schema import checks
from linkcheck.types import (
    CheckResult,
    CitationRef,
    DocumentFormat,
    ErrorKind,
    Hop,
    LinkState,
    Role,
    Snapshot,
    SnapshotDirection,
    Verdict,
)


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive values are taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)


def encode_lines(lines: Iterable[int]) -> str:
    return ",".join(str(line) for line in lines)


@lru_cache(maxsize=4096)
def decode_lines(text: str) -> tuple[int, ...]:
    """``"3,17"`` → ``(3, 17)``.

    Cached: a report decodes one per citation, and most are one of a few
    hundred small line numbers, so equal texts share one tuple (less time,
    and less memory when a renderer holds every row).
    """
    if "," not in text:
        return (int(text),) if text else ()
    return tuple(map(int, text.split(",")))


def stored_datetime(value: datetime | str) -> datetime:
    """A datetime column, read with or without SQLAlchemy's processing, as aware UTC.

    SQLite hands back the text SQLAlchemy wrote (``2026-11-16 01:00:00.044888``,
    naive UTC); other drivers hand back a naive datetime.
    """
    if isinstance(value, str):
        try:
            # Parsing the offset with the text is several times cheaper than
            # ``replace(tzinfo=UTC)`` afterwards (a report parses one or two per row).
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text with an offset of its own: not written by us
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.replace(tzinfo=UTC)


@lru_cache(maxsize=4096)
def _parsed_date(text: str) -> date:
    return date.fromisoformat(text)


def stored_date(value: date | str | None) -> date | None:
    """A date column read without type processing (SQLite: ``2016-02-02``).

    Cached: citations of one collection share few dates.
    """
    return _parsed_date(value) if isinstance(value, str) else value


# Look-ups for stored enumeration values: several times cheaper than calling the
# enum class, which matters once per row of a report.
_VERDICTS = {verdict.value: verdict for verdict in Verdict}
_ERROR_KINDS = {kind.value: kind for kind in ErrorKind}
_ROLES = {role.value: role for role in Role}

#: The stored form of each enumeration member the writer stores, and of ``None``:
#: a dict look-up is several times cheaper than ``.value`` (once per column per row).
_STORED_ENUMS: tuple[type[StrEnum], ...] = (Verdict, ErrorKind, LinkState, Role, DocumentFormat)
STORED_VALUES: dict[StrEnum | None, str | None] = {
    None: None,
    **{member: member.value for kind in _STORED_ENUMS for member in kind},
}


def sqlite_datetime(moment: datetime) -> str:
    """An aware ``moment`` as the text SQLAlchemy stores in a SQLite DATETIME column.

    Naive UTC with microseconds always written (``2026-11-16 01:00:00.000000``):
    exactly what :class:`~linkcheck.store.schema.UTCDateTime` stores, so rows
    written through the driver compare and read back like any other.
    """
    # Naive UTC by exact arithmetic, then formatted: half the cost of formatting
    # the aware value and cutting its offset off (the writer formats two a result).
    return (NAIVE_EPOCH + (moment - EPOCH)).isoformat(" ", "microseconds")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAIVE_EPOCH = datetime(1970, 1, 1)


#: The ``checks`` columns of :func:`check_rows`, in its order.
CHECK_ROW_COLUMNS = (
    "run_id",
    "link_id",
    "checked_at",
    "verdict",
    "status_code",
    "final_url",
    "error_kind",
    "error",
    "title",
    "fingerprint",
    "elapsed_ms",
    "attempts",
    "method",
    "state_before",
    "state_after",
)


def check_rows(
    run_id: int,
    link_ids: Sequence[int],
    batch: Sequence[CheckResult],
    checked_at: Sequence[object],
    transitions: Sequence[tuple[LinkState | None, LinkState | None]],
    *,
    null: int | None = None,
) -> list[tuple[Any, ...]]:
    """The ``checks`` rows of a batch of results, as :data:`CHECK_ROW_COLUMNS`
    (``checked_at`` already in the form the statement binds; ``null`` for NULL in
    the :data:`CHECK_NULL_TEXT` columns).

    One call per batch, a loop inside: this runs for every result the writer stores.
    """
    stored = STORED_VALUES if null is None else {**STORED_VALUES, None: null}
    return [
        (
            run_id,
            link_id,
            at,
            stored[result.verdict],
            result.status_code,
            result.final_url,
            stored[result.error_kind],
            result.error if result.error is not None else null,
            result.title,
            result.fingerprint,
            result.elapsed_ms,
            result.attempts,
            result.method,
            stored[before],
            stored[after],
        )
        for link_id, result, at, (before, after) in zip(
            link_ids, batch, checked_at, transitions, strict=True
        )
    ]


#: The text columns of :func:`check_rows` that hold its ``null`` for NULL: those
#: NULL in most rows (an alive check has no error; a new link, no state before it).
CHECK_NULL_TEXT = ("error_kind", "error", "state_before", "state_after")

#: The ``hops`` columns of :func:`hop_rows`, in its order.
HOP_ROW_COLUMNS = ("check_id", "position", "url", "status_code", "location")
#: The text columns of :func:`hop_rows` that hold its ``null`` for NULL (a final answer).
HOP_NULL_TEXT = ("location",)


def hop_rows(
    check_ids: Sequence[int], batch: Sequence[CheckResult], *, null: int | None = None
) -> list[tuple[Any, ...]]:
    """The ``hops`` rows of a batch of checks, as :data:`HOP_ROW_COLUMNS`
    (``null`` for NULL in the :data:`HOP_NULL_TEXT` columns)."""
    return [
        (
            check_id,
            position,
            hop.url,
            hop.status_code,
            hop.location if hop.location is not None else null,
        )
        for check_id, result in zip(check_ids, batch, strict=True)
        for position, hop in enumerate(result.hops)
    ]


#: The ``checks`` columns :func:`check_result` reads, in its order: select them last.
CHECK_COLUMNS = (
    checks.c.checked_at,
    checks.c.verdict,
    checks.c.status_code,
    checks.c.final_url,
    checks.c.error_kind,
    checks.c.error,
    checks.c.title,
    checks.c.fingerprint,
    checks.c.elapsed_ms,
    checks.c.attempts,
    checks.c.method,
)


def check_result(url: str, values: Sequence[Any], hops: Sequence[Hop]) -> CheckResult:
    """A :class:`CheckResult` from the values of :data:`CHECK_COLUMNS`, in that order
    (processed by SQLAlchemy or as the driver returns them).

    Positional, not by column name: this runs once per row of every report.
    """
    (
        checked_at,
        verdict,
        status_code,
        final_url,
        error_kind,
        error,
        title,
        fingerprint,
        elapsed_ms,
        attempts,
        method,
    ) = values
    # Positional (the field order of CheckResult): keywords cost more per row.
    return CheckResult(
        url,
        _VERDICTS[verdict],
        stored_datetime(checked_at),
        status_code,
        # Most checks end where they started: share the URL instead of a copy.
        url if final_url == url else final_url,
        tuple(hops),
        _ERROR_KINDS[error_kind] if error_kind is not None else None,
        error,
        title,
        fingerprint,
        elapsed_ms,
        attempts,
        method,
    )


def citation_ref(
    document: str, lines: str, role: str, title: str | None, cited_at: date | None
) -> CitationRef:
    """A :class:`CitationRef` from a citation's stored values and its document's path."""
    # Positional (the field order of CitationRef): keywords cost more per row.
    return CitationRef(document, decode_lines(lines), _ROLES[role], title, cited_at)


def stored_citation(
    document: str, lines: str, role: str, title: str | None, cited_at: str | None
) -> CitationRef:
    """:func:`citation_ref` for values as the driver returns them (``cited_at`` as text).

    One call per citation of a report, so the date is parsed here, not by a helper.
    """
    cited = _parsed_date(cited_at) if cited_at is not None else None
    return CitationRef(document, decode_lines(lines), _ROLES[role], title, cited)


def snapshot_row_values(snapshot: Snapshot, *, link_id: int) -> dict[str, Any]:
    distance = snapshot.distance.total_seconds() if snapshot.distance is not None else None
    return {
        "link_id": link_id,
        "looked_up_at": snapshot.looked_up_at,
        "direction": snapshot.direction.value,
        "archive_url": snapshot.archive_url,
        "captured_at": snapshot.captured_at,
        "status_code": snapshot.status_code,
        "cited_at": snapshot.cited_at,
        "distance_seconds": distance,
        "error": snapshot.error,
    }


def snapshot(url: str, row: Row[Any]) -> Snapshot:
    distance = timedelta(seconds=row.distance_seconds) if row.distance_seconds is not None else None
    return Snapshot(
        url=url,
        looked_up_at=row.looked_up_at,
        direction=SnapshotDirection(row.direction),
        archive_url=row.archive_url,
        captured_at=row.captured_at,
        status_code=row.status_code,
        cited_at=row.cited_at,
        distance=distance,
        error=row.error,
    )


#: The ``snapshots`` columns :func:`stored_snapshot` reads, in its order.
SNAPSHOT_COLUMNS = (
    "looked_up_at, direction, archive_url, captured_at, status_code, cited_at,"
    " distance_seconds, error"
)


def stored_snapshot(url: str, values: Sequence[Any]) -> Snapshot:
    """A :class:`Snapshot` from :data:`SNAPSHOT_COLUMNS` as the driver returns them
    (no SQLAlchemy type processing: a report reads one per archived link)."""
    looked_up_at, direction, archive_url, captured_at, status_code, cited_at, distance, error = (
        values
    )
    return Snapshot(
        url,
        stored_datetime(looked_up_at),
        SnapshotDirection(direction),
        archive_url,
        stored_datetime(captured_at) if captured_at is not None else None,
        status_code,
        stored_date(cited_at),
        timedelta(seconds=distance) if distance is not None else None,
        error,
    )
