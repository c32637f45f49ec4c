"""Keeping a long-lived database in shape: thinning old history, and counting what it holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, select

from linkcheck.store.batching import chunked
from linkcheck.store.db import read_connection, sqlite_path, write_connection
from linkcheck.store.links import LINK_STATES
from linkcheck.store.queries import run_summary
from linkcheck.store.runcounts import store_missing_counts
from linkcheck.store.schema import (
    checks,
    citations,
    documents,
    hops,
    links,
    runs,
    saves,
    snapshots,
)
from linkcheck.types import LinkState, RunSummary, Verdict

#: Links whose history one prune transaction thins: bounds lock time and memory.
LINKS_PER_STEP = 2000


@dataclass(frozen=True, slots=True)
class PruneStats:
    """What :meth:`Store.prune` deleted (or, with ``dry_run``, would delete)."""

    checks_deleted: int = 0
    hops_deleted: int = 0


@dataclass(frozen=True, slots=True)
class DbStats:
    """What a database holds.

    ``links_by_state`` counts links per state, ``None`` for links whose state
    is not known yet; ``links_by_verdict`` per last verdict, ``None`` for links
    never checked.  ``file_bytes`` is the SQLite file plus its write-ahead log
    on disk (``None`` for other databases and in-memory SQLite).
    """

    documents: int
    links: int
    citations: int
    runs: int
    checks: int
    hops: int
    snapshots: int
    saves: int
    links_by_state: Mapping[LinkState | None, int]
    links_by_verdict: Mapping[Verdict | None, int]
    latest_run: RunSummary | None
    file_bytes: int | None


# --------------------------------------------------------------------------- prune


def prune(engine: Engine, *, keep_latest: int, dry_run: bool) -> PruneStats:
    """Delete each link's checks beyond its newest ``keep_latest``, keeping transitions.

    A check whose state before and after differ, and each link's latest check,
    are never deleted.  Works through the links ``LINKS_PER_STEP`` at a time,
    one transaction each.
    """
    if keep_latest < 0:
        raise ValueError("keep_latest must be >= 0")
    if not dry_run:
        # Runs from before revision 0004 count their checks: write down what they
        # found while every check is still there.
        with write_connection(engine) as connection:
            store_missing_counts(connection)
    with read_connection(engine) as connection:
        highest = connection.execute(select(func.max(links.c.id))).scalar_one_or_none() or 0
    total = PruneStats()
    for low in range(0, highest, LINKS_PER_STEP):
        high = low + LINKS_PER_STEP
        if dry_run:
            with read_connection(engine) as connection:
                step = _prune_links(connection, low, high, keep_latest, delete_=False)
        else:
            with write_connection(engine) as connection:
                step = _prune_links(connection, low, high, keep_latest, delete_=True)
        total = PruneStats(
            checks_deleted=total.checks_deleted + step.checks_deleted,
            hops_deleted=total.hops_deleted + step.hops_deleted,
        )
    return total


def _prune_links(
    connection: Connection, low: int, high: int, keep_latest: int, *, delete_: bool
) -> PruneStats:
    """Prune the checks of links with ``low < id <= high``."""
    doomed = list(connection.execute(_prunable(low, high, keep_latest)).scalars())
    hop_count = 0
    for chunk in chunked(doomed):
        if delete_:
            hop_count += connection.execute(delete(hops).where(hops.c.check_id.in_(chunk))).rowcount
            connection.execute(delete(checks).where(checks.c.id.in_(chunk)))
        else:
            count = select(func.count()).select_from(hops).where(hops.c.check_id.in_(chunk))
            hop_count += connection.execute(count).scalar_one()
    return PruneStats(checks_deleted=len(doomed), hops_deleted=hop_count)


def _prunable(low: int, high: int, keep_latest: int) -> Any:
    newest_first = (
        func.row_number()
        .over(
            partition_by=checks.c.link_id, order_by=(checks.c.checked_at.desc(), checks.c.id.desc())
        )
        .label("newness")
    )
    ranked = (
        select(checks.c.id, checks.c.state_before, checks.c.state_after, newest_first)
        .where(checks.c.link_id > low, checks.c.link_id <= high)
        .subquery()
    )
    latest_checks = select(links.c.last_check_id).where(
        links.c.id > low, links.c.id <= high, links.c.last_check_id.is_not(None)
    )
    return select(ranked.c.id).where(
        ranked.c.newness > keep_latest,
        ranked.c.state_before.is_not_distinct_from(ranked.c.state_after),
        ranked.c.id.not_in(latest_checks),
    )


# --------------------------------------------------------------------------- stats


def stats(engine: Engine) -> DbStats:
    with read_connection(engine) as connection:
        counts = {table.name: _count(connection, table) for table in _COUNTED}
        by_state = _grouped(connection, links.c.state)
        by_verdict = _grouped(connection, links.c.last_verdict)
    return DbStats(
        **counts,
        links_by_state={
            (LINK_STATES[state] if state is not None else None): count
            for state, count in by_state.items()
        },
        links_by_verdict={
            (Verdict(verdict) if verdict is not None else None): count
            for verdict, count in by_verdict.items()
        },
        latest_run=run_summary(engine, None),
        file_bytes=_file_bytes(engine),
    )


_COUNTED = (documents, links, citations, runs, checks, hops, snapshots, saves)


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _grouped(connection: Connection, column: Any) -> dict[Any, int]:
    query = select(column, func.count()).group_by(column)
    return {value: int(count) for value, count in connection.execute(query).all()}


def _file_bytes(engine: Engine) -> int | None:
    path = sqlite_path(engine.url)  # the file, also when read as immutable
    if path is None:
        return None
    main = Path(path)
    wal = main.with_name(main.name + "-wal")
    return sum(path.stat().st_size for path in (main, wal) if path.exists())
