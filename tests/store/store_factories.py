"""Builders for the values the store takes, and a raw dump of its tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import create_engine, text

from linkcheck.types import (
    CheckResult,
    Citation,
    Document,
    DocumentFormat,
    Hop,
    Role,
    Verdict,
)

TABLES = ("documents", "links", "citations", "runs", "checks", "hops", "snapshots", "saves")


def citation(
    document: str,
    url: str,
    *lines: int,
    role: Role = Role.INLINE,
    title: str | None = None,
    cited_at: date | None = None,
) -> Citation:
    return Citation(
        document=document,
        url=url,
        url_as_written=url,
        lines=lines or (1,),
        role=role,
        title=title,
        cited_at=cited_at,
    )


def document(path: str, *citations: Citation, content_hash: str = "v1") -> Document:
    return Document(
        path=path,
        format=DocumentFormat.ARTICLE,
        content_hash=content_hash,
        citations=citations,
    )


def result(
    url: str,
    verdict: Verdict = Verdict.ALIVE,
    *,
    at: datetime | None = None,
    hops: tuple[Hop, ...] = (),
    status_code: int | None = 200,
) -> CheckResult:
    return CheckResult(
        url=url,
        verdict=verdict,
        checked_at=at or datetime.now(UTC),
        status_code=status_code,
        hops=hops,
    )


def dump_tables(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order (read without our Store)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]
                for table in TABLES
            }
    finally:
        engine.dispose()
