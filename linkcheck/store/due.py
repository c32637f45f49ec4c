"""Choosing the links a run checks: all of them, or the ones that are due.

Without ``max_age`` every link in scope is due, streamed in link-id order page
by page. With ``max_age`` a link is due when it was never checked, when its
last verdict was not good and it is not confirmed dead (failing and undecided
links are re-checked every run; a dead link waits for its ``next_check_at``,
``DeathPolicy.recheck_dead`` later), when its ``next_check_at`` has come (the
writer spreads these over a quarter of the interval per link, so a collection
checked in one night comes due over several), or when it was last checked
longer ago than ``max_age`` stretched by that quarter (links from before
next_check_at existed, or a shorter ``max_age`` than the writer was given).

Due links come in priority order — never checked, then failing or undecided,
then the longest overdue — which needs one sort; that query returns only ids,
which are kept in a compact array while the URLs are fetched a page at a time.
The set is therefore fixed when the iteration starts: links checked meanwhile
never come back, and no read transaction stays open during the run.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, case, exists, or_, select

from linkcheck.store.db import read_connection
from linkcheck.store.schema import checks, links
from linkcheck.store.selection import cited_by
from linkcheck.types import LinkState, Verdict

PAGE = 1000
GOOD_VERDICTS = (Verdict.ALIVE.value, Verdict.MOVED.value)
#: Verdicts after which a link is checked again on every run, unless it is confirmed dead.
RECHECK_ALWAYS = tuple(verdict.value for verdict in Verdict if verdict.value not in GOOD_VERDICTS)
DEAD = LinkState.DEAD.value
#: How far the writer stretches a good link's interval at most (``states.next_check_due``).
MAX_STRETCH = 1.25


def links_to_check(
    engine: Engine,
    *,
    documents_: Sequence[str] | None,
    max_age: timedelta | None,
    limit: int | None,
    now: datetime,
    not_checked_in_run: int | None = None,
) -> Iterator[str]:
    """URLs in scope that are due (all of them without ``max_age``); each at most once."""
    if limit is not None and limit <= 0:
        return
    with read_connection(engine) as connection, cited_by(connection, documents_) as cited:
        conditions = [] if cited is None else [cited]
        if not_checked_in_run is not None:
            conditions.append(not_checked_in(not_checked_in_run))
        if max_age is None:
            yield from _in_id_order(connection, conditions, limit)
        else:
            conditions.append(_is_due(max_age, now))
            yield from _by_priority(connection, conditions, limit)


def not_checked_in(run_id: int) -> ColumnElement[bool]:
    """A condition on ``links``: run ``run_id`` holds no check of the link (resuming it,
    or the known failures a run did not check).  On an alias of ``checks``, so it also
    fits a query that joins ``checks`` itself."""
    in_that_run = checks.alias("in_that_run")
    checked = exists().where(in_that_run.c.run_id == run_id, in_that_run.c.link_id == links.c.id)
    return ~checked


def _is_due(max_age: timedelta, now: datetime) -> ColumnElement[bool]:
    # Each term can use its own index, so SQLite answers the OR from index look-ups.
    return or_(
        links.c.last_checked_at.is_(None),
        and_(
            links.c.last_verdict.in_(RECHECK_ALWAYS),
            or_(links.c.state.is_(None), links.c.state != DEAD),
        ),
        links.c.next_check_at <= now,
        and_(
            links.c.last_checked_at < now - max_age,
            or_(
                links.c.next_check_at.is_(None),
                links.c.last_checked_at < now - max_age * MAX_STRETCH,
            ),
        ),
    )


def _in_id_order(
    connection: Connection, conditions: list[ColumnElement[bool]], limit: int | None
) -> Iterator[str]:
    """Keyset pages by link id, each its own short read transaction."""
    query = select(links.c.id, links.c.url).where(*conditions).order_by(links.c.id).limit(PAGE)
    remaining = limit
    after = 0
    while True:
        page = connection.execute(query.where(links.c.id > after)).all()
        connection.rollback()  # end the read transaction between pages
        for row in page[:remaining]:
            yield row.url
        if remaining is not None:
            remaining -= min(remaining, len(page))
            if remaining == 0:
                return
        if len(page) < PAGE:
            return
        after = page[-1].id


def _by_priority(
    connection: Connection, conditions: list[ColumnElement[bool]], limit: int | None
) -> Iterator[str]:
    never_checked = links.c.last_checked_at.is_(None)
    not_good = links.c.last_verdict.not_in(GOOD_VERDICTS)
    priority = case((never_checked, 0), (not_good, 1), else_=2)
    # Failing links: longest unchecked first; good ones: longest overdue first.
    waiting_since = case((not_good, links.c.last_checked_at), else_=links.c.next_check_at)
    query: Any = select(links.c.id).where(*conditions).order_by(priority, waiting_since, links.c.id)
    if limit is not None:
        query = query.limit(limit)
    due_ids = array("q", connection.execute(query).scalars())
    connection.rollback()
    for start in range(0, len(due_ids), PAGE):
        wanted = due_ids[start : start + PAGE]
        urls = dict(
            connection.execute(
                select(links.c.id, links.c.url).where(links.c.id.in_(wanted.tolist()))
            ).all()
        )
        connection.rollback()
        for link_id in wanted:
            if link_id in urls:  # a link deleted meanwhile is simply skipped
                yield urls[link_id]
