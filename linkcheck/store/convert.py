"""Conversions between table rows and the value types of :mod:`linkcheck.types`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row

from linkcheck.types import (
    CheckResult,
    CitationRef,
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


def decode_lines(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def check_row_values(
    result: CheckResult,
    *,
    run_id: int,
    link_id: int,
    state_before: LinkState | None = None,
    state_after: LinkState | None = None,
) -> dict[str, Any]:
    """The ``checks`` row for one result (keys are column names)."""
    return {
        "run_id": run_id,
        "link_id": link_id,
        "checked_at": result.checked_at,
        "verdict": result.verdict.value,
        "status_code": result.status_code,
        "final_url": result.final_url,
        "error_kind": result.error_kind.value if result.error_kind is not None else None,
        "error": result.error,
        "title": result.title,
        "fingerprint": result.fingerprint,
        "elapsed_ms": result.elapsed_ms,
        "attempts": result.attempts,
        "method": result.method,
        "state_before": state_value(state_before),
        "state_after": state_value(state_after),
    }


def state_value(state: LinkState | None) -> str | None:
    return state.value if state is not None else None


def hop_row_values(check_id: int, hops: Sequence[Hop]) -> list[dict[str, Any]]:
    return [
        {
            "check_id": check_id,
            "position": position,
            "url": hop.url,
            "status_code": hop.status_code,
            "location": hop.location,
        }
        for position, hop in enumerate(hops)
    ]


def check_result(url: str, row: Row[Any], hops: Sequence[Hop]) -> CheckResult:
    """A :class:`CheckResult` from a ``checks`` row (selected with its column names)."""
    return CheckResult(
        url=url,
        verdict=Verdict(row.verdict),
        checked_at=row.checked_at,
        status_code=row.status_code,
        final_url=row.final_url,
        hops=tuple(hops),
        error_kind=ErrorKind(row.error_kind) if row.error_kind is not None else None,
        error=row.error,
        title=row.title,
        fingerprint=row.fingerprint,
        elapsed_ms=row.elapsed_ms,
        attempts=row.attempts,
        method=row.method,
    )


def hop(row: Row[Any]) -> Hop:
    return Hop(url=row.url, status_code=row.status_code, location=row.location)


def citation_ref(row: Row[Any]) -> CitationRef:
    """A :class:`CitationRef` from a citations row joined with its document's ``path``."""
    return CitationRef(
        document=row.path,
        lines=decode_lines(row.lines),
        role=Role(row.role),
        title=row.title,
        cited_at=row.cited_at,
    )


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
