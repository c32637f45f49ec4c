"""What changed since last time: the state transitions recorded on check rows.

The writer stores each check's state before and after; a check whose states
differ is a transition.  Reported are transitions *into* ``failing``, ``dead``
or ``recovered`` — what an archivist acts on — within a span of runs: by
default every run after the previous completed one, up to and including the
latest (so a night that was interrupted and the night after are read
together, and a transition is reported in the span that contains its run and
no other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, or_, select

from linkcheck.store.batching import chunked
from linkcheck.store.convert import CHECK_COLUMNS, check_result
from linkcheck.store.db import read_connection
from linkcheck.store.links import LINK_STATES
from linkcheck.store.queries import PAGE, citation_refs, hops_by_check, latest_run_id
from linkcheck.store.schema import checks, links, runs
from linkcheck.types import LinkChange, LinkState, RunStatus

REPORTED_STATES = (LinkState.FAILING.value, LinkState.DEAD.value, LinkState.RECOVERED.value)


def changes(
    engine: Engine, *, run_id: int | None, since_previous_completed: bool
) -> list[LinkChange]:
    """Transitions in the span of runs ending at ``run_id`` (default: the latest run)."""
    with read_connection(engine) as connection:
        last = run_id if run_id is not None else latest_run_id(connection)
        if last is None:
            return []
        span = _span(connection, last) if since_previous_completed else [last]
        rows = connection.execute(_transitions_query(span)).all()
        found: list[LinkChange] = []
        for page in chunked(rows, PAGE):
            found.extend(_assemble(connection, page))
    return found


def _span(connection: Connection, last: int) -> list[int]:
    """The runs after the last completed run before ``last``, up to ``last`` itself."""
    previous = connection.execute(
        select(func.max(runs.c.id)).where(
            runs.c.status == RunStatus.COMPLETED.value, runs.c.id < last
        )
    ).scalar_one_or_none()
    query = select(runs.c.id).where(runs.c.id > (previous or 0), runs.c.id <= last)
    return list(connection.execute(query.order_by(runs.c.id)).scalars())


def _transitions_query(run_ids: Sequence[int]) -> Any:
    # run_id IN (...) AND state_after IN (...) reads only the transitions from
    # the (run_id, state_after) index, not every check of the runs.
    return (
        select(
            links.c.url,
            checks.c.id.label("check_id"),
            checks.c.link_id,
            checks.c.run_id,
            checks.c.state_before,
            checks.c.state_after,
            *CHECK_COLUMNS,
        )
        .join(links, links.c.id == checks.c.link_id)
        .where(
            checks.c.run_id.in_(run_ids),
            checks.c.state_after.in_(REPORTED_STATES),
            or_(checks.c.state_before.is_(None), checks.c.state_before != checks.c.state_after),
        )
        .order_by(links.c.url, checks.c.checked_at, checks.c.id)
    )


def _assemble(connection: Connection, page: Sequence[Row[Any]]) -> list[LinkChange]:
    found_hops = hops_by_check(connection, [row.check_id for row in page])
    refs = citation_refs(connection, [row.link_id for row in page])
    return [
        LinkChange(
            url=row.url,
            before=LINK_STATES[row.state_before] if row.state_before is not None else None,
            after=LINK_STATES[row.state_after],
            checked_at=row.checked_at,
            run_id=row.run_id,
            citations=tuple(refs.get(row.link_id, ())),
            result=check_result(row.url, row[6:], found_hops.get(row.check_id, ())),
        )
        for row in page
    ]
