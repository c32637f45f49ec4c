"""Read queries: run summaries, report rows, history.

Everything that may touch every link streams, ``PAGE`` rows at a time, so
memory stays flat however large the collection.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, exists, func, or_, select

from linkcheck.store.convert import (
    CHECK_COLUMNS,
    SNAPSHOT_COLUMNS,
    check_result,
    citation_ref,
    snapshot,
    stored_citation,
    stored_datetime,
    stored_snapshot,
)
from linkcheck.store.db import read_connection
from linkcheck.store.due import not_checked_in
from linkcheck.store.links import LINK_STATES, link_id
from linkcheck.store.runcounts import count_checks, verdict_counts
from linkcheck.store.schema import checks, citations, documents, hops, links, runs, snapshots
from linkcheck.store.selection import cited_by
from linkcheck.types import (
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
#: Report rows are fetched, and their hops and citations looked up, this many at a time.
REPORT_PAGE = 2000
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
    """Summaries of ``run_ids``, in the order given.

    A run's counts are those written on its row when it ended, so pruning its
    checks later does not change them; a run still running, or recorded before
    revision 0004, has none written: its checks are counted.
    """
    if not run_ids:
        return []
    rows = {row.id: row for row in connection.execute(select(runs).where(runs.c.id.in_(run_ids)))}
    counted = count_checks(
        connection, [run_id for run_id, row in rows.items() if row.counts is None]
    )
    summaries = []
    for run_id in run_ids:
        row = rows.get(run_id)
        if row is None:
            continue
        counts = verdict_counts(row.counts if row.counts is not None else counted.get(run_id, {}))
        summaries.append(
            RunSummary(
                id=run_id,
                started_at=row.started_at,
                status=RunStatus(row.status),
                finished_at=row.finished_at,
                counts=counts,
                total=sum(counts.values()),
                error=row.error,
            )
        )
    return summaries


# --------------------------------------------------------------------------- report rows


def link_rows(
    engine: Engine,
    *,
    run_id: int | None,
    verdicts: Collection[Verdict] | None,
    documents_: Sequence[str] | None,
    since: datetime | None = None,
    states: Collection[LinkState] | None = None,
    not_checked_in_run: int | None = None,
    cited_only: bool = False,
    unchecked: bool = False,
) -> Iterator[LinkRow]:
    """Each link checked in the run with its latest check of that run, in link-id order.

    With ``since``, each link whose latest check (in any run) is that recent
    instead, and with ``unchecked`` also the links never checked (no result).
    ``states`` keeps links in those states as of the check shown;
    ``not_checked_in_run`` leaves out the links that run checked at all;
    ``cited_only`` the links no stored document cites any more.

    One query in one read transaction (a report sees a consistent snapshot),
    fetched ``REPORT_PAGE`` rows at a time; each page's hops, citations and
    snapshots are looked up together, one statement each.

    Link-id order, not URL order: the (run_id, link_id) index gives it without
    sorting the run first, and a page's look-ups then read neighbouring rows
    of the other tables (ids are handed out as documents are scanned) instead
    of scattered ones: on a million links, 240k rows in URL order cost about
    twice the SQLite time.  Renderers that show links to people sort them.
    """
    with read_connection(engine) as connection:
        if run_id is None and since is None:
            run_id = latest_run_id(connection)
            connection.rollback()
            if run_id is None:
                return
        with _report_page_cache(connection), cited_by(connection, documents_) as cited:
            query = _link_rows_query(run_id, verdicts, cited, since=since, unchecked=unchecked)
            if states is not None:
                query = query.where(checks.c.state_after.in_([state.value for state in states]))
            if cited_only:
                query = query.where(exists().where(citations.c.link_id == links.c.id))
            if not_checked_in_run is not None:
                query = query.where(not_checked_in(not_checked_in_run))
            result = connection.execute(query)
            try:
                # The DBAPI cursor's own rows: SQLAlchemy compiled the query, but
                # its per-row and per-value processing would double the cost.
                cursor, assembler = result.cursor, _PageAssembler(connection)
                while page := cursor.fetchmany(REPORT_PAGE):
                    yield from assembler.rows(page)
            finally:
                result.close()


#: SQLite's page cache while report rows are read, in KiB (its default is 2,000).
REPORT_CACHE_KIB = 64 * 1024


@contextmanager
def _report_page_cache(connection: Connection) -> Iterator[None]:
    """A larger SQLite page cache for this connection while a report is read.

    A report visits the run's checks in link order, so every row reads scattered
    pages of four tables; with the default 2 MB cache nearly each one is a read
    from the OS.  64 MB cut the main statement's time by a fifth on a million
    links (RSS grows by as much at most); smaller databases get a quarter of
    their size.  The setting is restored afterwards:
    the connection goes back to the pool.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    (previous,) = connection.exec_driver_sql("PRAGMA cache_size").one()
    (pages,) = connection.exec_driver_sql("PRAGMA page_count").one()
    (page_size,) = connection.exec_driver_sql("PRAGMA page_size").one()
    # A quarter of the database at most: a small database gains nothing from a
    # cache it cannot fill usefully, and a 100k-link run keeps its memory.
    kib = max(2000, min(REPORT_CACHE_KIB, int(pages) * int(page_size) // 4096))
    connection.exec_driver_sql(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def _link_rows_query(
    run_id: int | None,
    verdicts: Collection[Verdict] | None,
    cited: Any,
    *,
    since: datetime | None = None,
    unchecked: bool = False,
) -> Any:
    """The run's latest check of each link (or each link's latest check since ``since``,
    and links never checked too if ``unchecked``), joined with the link, in link-id order."""
    joined = checks.c.link_id == links.c.id
    if since is not None:
        scope = [checks.c.id == links.c.last_check_id, checks.c.checked_at >= since]
        if unchecked:  # the link's latest check, if it has one: an outer join on it
            joined = scope[0]
            scope = [or_(checks.c.id.is_(None), checks.c.checked_at >= since)]
        order = links.c.id
    else:
        run_checks = checks.alias("run_checks")
        latest_in_run = (
            select(func.max(run_checks.c.id))
            .where(run_checks.c.run_id == run_id, run_checks.c.link_id == links.c.id)
            .scalar_subquery()
        )
        scope = [checks.c.run_id == run_id, checks.c.id == latest_in_run]
        order = checks.c.link_id  # the (run_id, link_id) index's order: no sort
    # Nearly every check has one hop: it comes with the row; only longer
    # chains are looked up afterwards.
    first_hop, second_hop = hops.alias("first_hop"), hops.alias("second_hop")
    longer_chain = exists().where(second_hop.c.check_id == checks.c.id, second_hop.c.position == 1)
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
            first_hop.c.url,
            first_hop.c.status_code,
            first_hop.c.location,
            longer_chain,
            *CHECK_COLUMNS,  # last: _PageAssembler hands these to check_result as they are
        )
        .join(checks, joined, isouter=unchecked and since is not None)
        .outerjoin(first_hop, and_(first_hop.c.check_id == checks.c.id, first_hop.c.position == 0))
        .where(*scope)
        .order_by(order)
    )
    if verdicts is not None:
        query = query.where(checks.c.verdict.in_([verdict.value for verdict in verdicts]))
    if cited is not None:
        query = query.where(cited)
    return query


class _PageAssembler:
    """Builds :class:`LinkRow` values page by page for one ``link_rows`` iteration.

    Everything here runs once per row of a report that can hold a quarter of a
    million links, hence positional tuples, no per-value type processing, and
    shared objects: one string per document path and per role, one tuple per
    distinct line list, the link's own URL object wherever a hop or final URL
    repeats it (a renderer that keeps every row in memory keeps much less).
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._paths: dict[str, str] = {}

    def rows(self, page: Sequence[Any]) -> list[LinkRow]:
        link_ids = [row[0] for row in page]
        chains = self._hops({row[6]: row[1] for row in page if row[11]})
        refs = self._citations(link_ids)
        latest_snapshots = self._snapshots(page)
        assembled: list[LinkRow] = []
        # Local names: this loop runs once per report row.
        add, link_row, hop, result_of = assembled.append, LinkRow, Hop, check_result
        refs_of, snapshot_of, state_shown = refs.get, latest_snapshots.get, _state_after
        for row in page:
            link_id, url, state, last_check_id, first_failed, dead_at, check_id, state_after = row[
                :8
            ]
            if check_id is None:  # never checked (``unchecked``)
                add(link_row(url, refs_of(link_id, ()), None, state, snapshot_of(link_id)))
                continue
            hop_url = row[8]
            if hop_url is None:
                chain: tuple[Hop, ...] = ()
            elif row[11]:
                chain = chains[check_id]
            else:
                chain = (hop(url if hop_url == url else hop_url, row[9], row[10]),)
            result = result_of(url, row[12:], chain)
            link_state = state_shown(state_after, check_id, last_check_id, state)
            add(
                link_row(
                    url,
                    refs_of(link_id, ()),
                    result,
                    link_state,
                    snapshot_of(link_id),
                    # Most links never failed: no call for them.
                    None
                    if first_failed is None
                    else _failing_since(link_state, first_failed, result.checked_at),
                    None
                    if dead_at is None
                    else _dead_since(link_state, dead_at, result.checked_at),
                )
            )
        return assembled

    def _hops(self, urls_by_check: dict[int, str]) -> dict[int, tuple[Hop, ...]]:
        found: dict[int, list[Hop]] = defaultdict(list)
        if not urls_by_check:
            return {}
        statement = _HOPS_OF_CHECKS_SQL.format(ids=_inline_ids(urls_by_check))
        for check_id, url, status_code, location in _plain_rows(self._connection, statement):
            own = urls_by_check[check_id]
            found[check_id].append(Hop(own if url == own else url, status_code, location))
        return {check_id: tuple(chain) for check_id, chain in found.items()}

    def _citations(self, link_ids: list[int]) -> dict[int, tuple[CitationRef, ...]]:
        """Each link's citations ordered by document path, then as stored."""
        found: dict[int, list[tuple[str, int, CitationRef]]] = defaultdict(list)
        paths = self._paths
        statement = _CITATIONS_OF_LINKS_SQL.format(ids=_inline_ids(link_ids))
        rows = _plain_rows(self._connection, statement)
        for cited, citation_id, lines, role, title, cited_at, path in rows:
            path = paths.setdefault(path, path)
            ref = stored_citation(path, lines, role, title, cited_at)
            found[cited].append((path, citation_id, ref))
        # Sorted here, not by SQLite: a sort of every page's rows for the ~1 % of
        # links cited more than once cost a fifth of the statement's time.
        return {
            link_id: (refs[0][2],) if len(refs) == 1 else tuple(ref for *_, ref in sorted(refs))
            for link_id, refs in found.items()
        }

    def _snapshots(self, page: Sequence[Any]) -> dict[int, Snapshot]:
        statement = _SNAPSHOTS_OF_LINKS_SQL.format(ids=_inline_ids(row[0] for row in page))
        rows = _plain_rows(self._connection, statement)
        # Ascending, answers after failed look-ups: the last one kept is the one shown.
        latest = {row[0]: row for row in rows}
        if not latest:
            return {}
        url_of = {row[0]: row[1] for row in page}
        return {
            link_id: stored_snapshot(url_of[link_id], row[1:]) for link_id, row in latest.items()
        }


def _state_after(
    state_after: str | None, check_id: int, last_check_id: int | None, link_state: str | None
) -> LinkState | None:
    """The link's state after a check.  A check from before revision 0002 has none
    stored: the link's own state applies if this check is its latest."""
    then = state_after if state_after is not None or check_id != last_check_id else link_state
    return LINK_STATES[then] if then is not None else None


def _failing_since(
    state: LinkState | None, first_failed: datetime | str | None, at: datetime
) -> datetime | None:
    """When the failures that made the link failing or dead began, as of the check."""
    if first_failed is None or (state is not LinkState.FAILING and state is not LinkState.DEAD):
        return None
    moment = stored_datetime(first_failed)
    return moment if moment <= at else None


def _dead_since(
    state: LinkState | None, dead_at: datetime | str | None, at: datetime
) -> datetime | None:
    if dead_at is None or state is not LinkState.DEAD:
        return None
    moment = stored_datetime(dead_at)
    return moment if moment <= at else None


def _plain_rows(connection: Connection, statement: str) -> list[Any]:
    """The rows of a plain SQL statement as the driver's tuples (no ``Row`` objects)."""
    result = connection.exec_driver_sql(statement)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _inline_ids(ids: Iterable[int]) -> str:
    """Ids for an ``IN (...)`` list written into the statement.

    Integers from our own tables only, so inlining is safe; it spares
    SQLAlchemy rendering a bind parameter per element (10,000 per page) and
    keeps the statement plain SQL for every dialect.
    """
    return ",".join(map(str, ids))


# Plain SQL run with ``exec_driver_sql``: rows come back as the driver gives
# them, without per-value type processing (dates are parsed by the caller).
_HOPS_OF_CHECKS_SQL = (
    "SELECT check_id, url, status_code, location FROM hops"
    " WHERE check_id IN ({ids}) ORDER BY check_id, position"
)
_CITATIONS_OF_LINKS_SQL = (
    "SELECT citations.link_id, citations.id, citations.lines, citations.role, citations.title,"
    " citations.cited_at, documents.path"
    " FROM citations JOIN documents ON documents.id = citations.document_id"
    " WHERE citations.link_id IN ({ids})"
)
#: The snapshot a link shows is its newest archive answer: a look-up that failed
#: (the archive down during a refresh) replaces no answer, only another failure.
_SNAPSHOTS_OF_LINKS_SQL = (
    f"SELECT link_id, {SNAPSHOT_COLUMNS} FROM snapshots"
    " WHERE link_id IN ({ids}) ORDER BY link_id, error IS NULL, looked_up_at, id"
)

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


# --------------------------------------------------------------------------- one link


def link_history(engine: Engine, url: str) -> list[LinkRow]:
    """Every check of the link, oldest first, each with the link's state after it.

    A row's ``first_failed_at`` and ``confirmed_dead_at`` are the link's, as of
    that check (as in a run's report rows); the last row's are the link's now.
    Rows carry no citations or snapshot: ask for those once, not per check.
    """
    with read_connection(engine) as connection:
        link = connection.execute(
            select(
                links.c.id,
                links.c.state,
                links.c.last_check_id,
                links.c.first_failed_at,
                links.c.confirmed_dead_at,
            ).where(links.c.url == url)
        ).first()
        if link is None:
            return []
        query = (
            select(checks.c.id, checks.c.state_after, *CHECK_COLUMNS)
            .where(checks.c.link_id == link.id)
            .order_by(checks.c.checked_at, checks.c.id)
        )
        rows = connection.execute(query).all()
        found_hops = hops_by_check(connection, [row[0] for row in rows])
    history = []
    for check_id, state_after, *columns in rows:
        result = check_result(url, columns, found_hops.get(check_id, ()))
        state = _state_after(state_after, check_id, link.last_check_id, link.state)
        history.append(
            LinkRow(
                url=url,
                citations=(),
                result=result,
                state=state,
                first_failed_at=_failing_since(state, link.first_failed_at, result.checked_at),
                confirmed_dead_at=_dead_since(state, link.confirmed_dead_at, result.checked_at),
            )
        )
    return history


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
            # As in reports: the newest answer, else the newest failed look-up.
            .order_by(
                snapshots.c.error.is_(None).desc(),
                snapshots.c.looked_up_at.desc(),
                snapshots.c.id.desc(),
            )
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


def unlocated_paths(engine: Engine) -> set[str]:
    with read_connection(engine) as connection:
        query = select(documents.c.path).where(documents.c.location.is_(None))
        return set(connection.scalars(query))


def located_documents(engine: Engine) -> list[tuple[int, str, str]]:
    with read_connection(engine) as connection:
        query = select(documents.c.id, documents.c.path, documents.c.location).where(
            documents.c.location.is_not(None)
        )
        return [(row.id, row.path, row.location) for row in connection.execute(query)]


def documents_changed_since(engine: Engine, moment: datetime) -> frozenset[str]:
    with read_connection(engine) as connection:
        query = select(documents.c.path, documents.c.location).where(
            documents.c.updated_at > moment
        )
        return frozenset(name for row in connection.execute(query) for name in row if name)


def document_hashes(engine: Engine) -> dict[str, str]:
    with read_connection(engine) as connection:
        query = select(documents.c.path, documents.c.content_hash)
        return {path: content_hash for path, content_hash in connection.execute(query)}


def known_hash(engine: Engine, path: str) -> str | None:
    with read_connection(engine) as connection:
        query = select(documents.c.content_hash).where(documents.c.path == path)
        return connection.execute(query).scalar_one_or_none()
