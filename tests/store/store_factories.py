"""Builders for the values the store takes, and a raw dump of its tables."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, text

from linkcheck.states import DeathPolicy
from linkcheck.store import Store
from linkcheck.types import (
    CheckResult,
    Citation,
    Document,
    DocumentFormat,
    Hop,
    Role,
    RunStatus,
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


def run_night(
    store: Store,
    *results: CheckResult,
    policy: DeathPolicy | None = None,
    recheck_good: timedelta | None = None,
    status: RunStatus = RunStatus.COMPLETED,
) -> int:
    """One run that stores ``results`` (in one batch) and ends with ``status``."""
    run = store.start_run(inputs=["docs/"], options={})
    with store.writer(run, policy=policy or DeathPolicy(), recheck_good=recheck_good) as writer:
        for one in results:
            writer.add(one)
    store.finish_run(run, status)
    return run


def link_columns(url: str, db_url: str) -> dict[str, object]:
    """The raw ``links`` row of ``url`` (read without our Store)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT * FROM links WHERE url = :url"), {"url": url}
            ).mappings()
            return dict(row.one())
    finally:
        engine.dispose()


def execute(db_url: str, sql: str, **params: object) -> None:
    """Run one statement on the database behind our Store's back (to stage a situation)."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
