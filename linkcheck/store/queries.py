"""Read queries: run summaries, report rows, history.

Everything that may touch every link streams, ``PAGE`` rows at a time, so
memory stays flat however large the collection.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, func, select

from linkcheck.store.convert import CHECK_COLUMNS, check_result, citation_ref, snapshot
from linkcheck.store.db import read_connection
from linkcheck.store.links import LINK_STATES, link_id
from linkcheck.store.schema import checks, citations, documents, hops, links, runs, snapshots
from linkcheck.store.selection import cited_by
from linkcheck.types import (
    CheckResult,
    CitationRef,
    Hop,
    LinkRow,
    LinkState,
    RunStatus,
    RunSummary,
    Snapshot,
    Verdict,
)

PAGE = 1000
#: Verdicts that show the source was readable.
SEEN_ALIVE = (Verdict.ALIVE.value, Verdict.MOVED.value)


# --------------------------------------------------------------------------- runs


def latest_run_id(connection: Connection) -> int | None:
    query = select(runs.c.id).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(1)
    return connection.execute(query).scalar_one_or_none()


def resumable_run_id(connection: Connection, run_id: int | None) -> int | None:
    """``run_id`` if that run is interrupted; else the latest interrupted run not superseded.

    A run is superseded when a completed run started after it.
    """
    interrupted = runs.c.status == RunStatus.INTERRUPTED.value
    if run_id is not None:
        query = select(runs.c.id).where(runs.c.id == run_id, interrupted)
        return connection.execute(query).scalar_one_or_none()
    last_completed = (
        select(func.max(runs.c.id))
        .where(runs.c.status == RunStatus.COMPLETED.value)
        .scalar_subquery()
    )
    query = select(func.max(runs.c.id)).where(
        interrupted, runs.c.id > func.coalesce(last_completed, 0)
    )
    return connection.execute(query).scalar_one_or_none()


def run_summary(engine: Engine, run_id: int | None) -> RunSummary | None:
    with read_connection(engine) as connection:
        if run_id is None:
            run_id = latest_run_id(connection)
        if run_id is None:
            return None
        summaries = _summaries(connection, [run_id])
    return summaries[0] if summaries else None


def recent_runs(engine: Engine, limit: int | None) -> list[RunSummary]:
    with read_connection(engine) as connection:
        query = select(runs.c.id).order_by(runs.c.started_at.desc(), runs.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        run_ids = list(connection.execute(query).scalars())
        return _summaries(connection, run_ids)


def _summaries(connection: Connection, run_ids: Sequence[int]) -> list[RunSummary]:
    """Summaries of ``run_ids``, in the order given."""
    if not run_ids:
        return []
    counts: dict[int, dict[Verdict, int]] = defaultdict(dict)
    count_query = (
        select(checks.c.run_id, checks.c.verdict, func.count())
        .where(checks.c.run_id.in_(run_ids))
        .group_by(checks.c.run_id, checks.c.verdict)
    )
    for run_id, verdict, count in connection.execute(count_query):
        counts[run_id][Verdict(verdict)] = count
    rows = {row.id: row for row in connection.execute(select(runs).where(runs.c.id.in_(run_ids)))}
    return [
        RunSummary(
            id=run_id,
            started_at=rows[run_id].started_at,
            status=RunStatus(rows[run_id].status),
            finished_at=rows[run_id].finished_at,
            counts=dict(counts[run_id]),
            total=sum(counts[run_id].values()),
        )
        for run_id in run_ids
        if run_id in rows
    ]


# --------------------------------------------------------------------------- report rows


def link_rows(
    engine: Engine,
    *,
    run_id: int | None,
    verdicts: Collection[Verdict] | None,
    documents_: Sequence[str] | None,
    since: datetime | None = None,
    states: Collection[LinkState] | None = None,
) -> Iterator[LinkRow]:
    """Each link checked in the run with its latest check of that run, ordered by URL.

    With ``since``, each link whose latest check (in any run) is that recent
    instead.  ``states`` keeps links in those states as of the check shown.

    One query in one read transaction (a report sees a consistent snapshot),
    fetched ``PAGE`` rows at a time; each page's hops, citations and snapshots
    are looked up together.
    """
    with read_connection(engine) as connection:
        if run_id is None and since is None:
            run_id = latest_run_id(connection)
            connection.rollback()
            if run_id is None:
                return
        with cited_by(connection, documents_) as cited:
            query = _link_rows_query(run_id, verdicts, cited, since=since)
            if states is not None:
                query = query.where(checks.c.state_after.in_([state.value for state in states]))
            result = connection.execution_options(yield_per=PAGE).execute(query)
            for page in result.partitions():
                yield from _assemble(connection, page)


def _link_rows_query(
    run_id: int | None,
    verdicts: Collection[Verdict] | None,
    cited: Any,
    *,
    since: datetime | None = None,
) -> Any:
    """The run's latest check of each link (or each link's latest check since ``since``),
    joined with the link, in URL order."""
    if since is not None:
        scope = [checks.c.id == links.c.last_check_id, checks.c.checked_at >= since]
    else:
        run_checks = checks.alias("run_checks")
        latest_in_run = (
            select(func.max(run_checks.c.id))
            .where(run_checks.c.run_id == run_id, run_checks.c.link_id == links.c.id)
            .scalar_subquery()
        )
        scope = [checks.c.run_id == run_id, checks.c.id == latest_in_run]
    query = (
        select(
            links.c.id,
            links.c.url,
            links.c.state,
            links.c.last_check_id,
            links.c.first_failed_at,
            links.c.confirmed_dead_at,
            checks.c.id,
            checks.c.state_after,
            *CHECK_COLUMNS,  # last: _assemble hands these to check_result as they are
        )
        .join(checks, checks.c.link_id == links.c.id)
        .where(*scope)
        .order_by(links.c.url)
    )
    if verdicts is not None:
        query = query.where(checks.c.verdict.in_([verdict.value for verdict in verdicts]))
    if cited is not None:
        query = query.where(cited)
    return query


def _assemble(connection: Connection, page: Sequence[Any]) -> list[LinkRow]:
    """Link rows for one page of ``_link_rows_query`` (positional: this runs per row)."""
    link_ids = [row[0] for row in page]
    found_hops = hops_by_check(connection, [row[6] for row in page])
    refs = citation_refs(connection, link_ids)
    latest_snapshots = _latest_snapshots(connection, link_ids)
    assembled = []
    for row in page:
        link_id, url, state, last_check_id, first_failed, dead_at, check_id, state_after = row[:8]
        check_values = row[8:]
        found = latest_snapshots.get(link_id)
        assembled.append(
            LinkRow(
                url=url,
                citations=tuple(refs.get(link_id, ())),
                result=check_result(url, check_values, found_hops.get(check_id, ())),
                snapshot=snapshot(url, found) if found is not None else None,
                **_state_then(
                    # A check from before 0002 has no state: the link's own applies
                    # if this check is its latest.
                    state_after if state_after is not None or check_id != last_check_id else state,
                    at=check_values[0],
                    first_failed=first_failed,
                    dead_at=dead_at,
                ),
            )
        )
    return assembled


def _state_then(
    state_value: str | None,
    *,
    at: datetime,
    first_failed: datetime | None,
    dead_at: datetime | None,
) -> dict[str, Any]:
    """The state as of a check (its ``state_after``), with the dates that applied then."""
    if state_value is None:
        return {}
    state = LINK_STATES[state_value]
    failing = state is LinkState.FAILING or state is LinkState.DEAD
    return {
        "state": state,
        "first_failed_at": first_failed
        if failing and first_failed is not None and first_failed <= at
        else None,
        "confirmed_dead_at": dead_at
        if state is LinkState.DEAD and dead_at is not None and dead_at <= at
        else None,
    }


# Prepared once: ``IN`` lists bound as one expanding parameter skip the
# per-element coercion that a literal list costs on every page.
_HOPS_OF_CHECKS = (
    select(hops.c.check_id, hops.c.url, hops.c.status_code, hops.c.location)
    .where(hops.c.check_id.in_(bindparam("ids", expanding=True)))
    .order_by(hops.c.check_id, hops.c.position)
)
_CITATIONS_OF_LINKS = (
    select(
        citations.c.link_id,
        citations.c.lines,
        citations.c.role,
        citations.c.title,
        citations.c.cited_at,
        documents.c.path,
    )
    .join(documents, documents.c.id == citations.c.document_id)
    .where(citations.c.link_id.in_(bindparam("ids", expanding=True)))
    .order_by(citations.c.link_id, documents.c.path, citations.c.id)
)
_SNAPSHOTS_OF_LINKS = (
    select(snapshots)
    .where(snapshots.c.link_id.in_(bindparam("ids", expanding=True)))
    .order_by(snapshots.c.link_id, snapshots.c.looked_up_at, snapshots.c.id)
)


def hops_by_check(connection: Connection, check_ids: Sequence[int]) -> dict[int, list[Hop]]:
    found: dict[int, list[Hop]] = defaultdict(list)
    if not check_ids:
        return found
    rows = connection.execute(_HOPS_OF_CHECKS, {"ids": list(check_ids)}).all()
    for check_id, url, status_code, location in rows:
        found[check_id].append(Hop(url, status_code, location))
    return found


def citation_refs(connection: Connection, link_ids: Sequence[int]) -> dict[int, list[CitationRef]]:
    found: dict[int, list[CitationRef]] = defaultdict(list)
    if not link_ids:
        return found
    rows = connection.execute(_CITATIONS_OF_LINKS, {"ids": list(link_ids)}).all()
    for cited, lines, role, title, cited_at, path in rows:
        found[cited].append(citation_ref(path, lines, role, title, cited_at))
    return found


def _latest_snapshots(connection: Connection, link_ids: Sequence[int]) -> dict[int, Row[Any]]:
    latest: dict[int, Row[Any]] = {}
    if not link_ids:
        return latest
    for row in connection.execute(_SNAPSHOTS_OF_LINKS, {"ids": list(link_ids)}).all():
        latest[row.link_id] = row  # ascending order: the last one seen is the newest
    return latest


# --------------------------------------------------------------------------- one link


def history(engine: Engine, url: str) -> list[CheckResult]:
    with read_connection(engine) as connection:
        found = link_id(connection, url)
        if found is None:
            return []
        query = (
            select(checks.c.id, *CHECK_COLUMNS)
            .where(checks.c.link_id == found)
            .order_by(checks.c.checked_at, checks.c.id)
        )
        rows = connection.execute(query).all()
        found_hops = hops_by_check(connection, [row[0] for row in rows])
    return [check_result(url, row[1:], found_hops.get(row[0], ())) for row in rows]


def citations_of(engine: Engine, url: str) -> list[CitationRef]:
    with read_connection(engine) as connection:
        found = link_id(connection, url)
        if found is None:
            return []
        return citation_refs(connection, [found]).get(found, [])


def latest_snapshot(engine: Engine, url: str) -> Snapshot | None:
    with read_connection(engine) as connection:
        query = (
            select(snapshots)
            .join(links, links.c.id == snapshots.c.link_id)
            .where(links.c.url == url)
            .order_by(snapshots.c.looked_up_at.desc(), snapshots.c.id.desc())
            .limit(1)
        )
        row = connection.execute(query).first()
    return snapshot(url, row) if row is not None else None


def last_alive_at(engine: Engine, url: str) -> datetime | None:
    with read_connection(engine) as connection:
        query = (
            select(func.max(checks.c.checked_at))
            .join(links, links.c.id == checks.c.link_id)
            .where(links.c.url == url, checks.c.verdict.in_(SEEN_ALIVE))
        )
        value = connection.execute(query).scalar_one_or_none()
    return value if isinstance(value, datetime) else None


def document_hashes(engine: Engine) -> dict[str, str]:
    with read_connection(engine) as connection:
        query = select(documents.c.path, documents.c.content_hash)
        return {path: content_hash for path, content_hash in connection.execute(query)}


def known_hash(engine: Engine, path: str) -> str | None:
    with read_connection(engine) as connection:
        query = select(documents.c.content_hash).where(documents.c.path == path)
        return connection.execute(query).scalar_one_or_none()
