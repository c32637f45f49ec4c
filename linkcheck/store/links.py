"""Finding link rows by URL, creating the missing ones."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Insert, bindparam, insert, select

from linkcheck.states import LinkHistory
from linkcheck.store.batching import chunked
from linkcheck.store.convert import stored_datetime
from linkcheck.store.rows import Rows
from linkcheck.store.schema import links
from linkcheck.types import LinkState

#: Stored state strings to states (a dict look-up is several times cheaper than ``LinkState(s)``).
LINK_STATES = {state.value: state for state in LinkState}


@dataclass(frozen=True, slots=True)
class StoredLink:
    """A link row as the state machine sees it."""

    id: int
    history: LinkHistory
    last_checked_at: datetime | None


def insert_ignoring_duplicate_urls(connection: Connection) -> Insert:
    """An INSERT into links that skips URLs already present (another writer may race us)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite  # each dialect's module only when used

        return sqlite.insert(links).on_conflict_do_nothing(index_elements=["url"])
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(links).on_conflict_do_nothing(index_elements=["url"])
    return insert(links)


def existing_link_ids(connection: Connection, urls: Collection[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunked(urls):
        rows = connection.execute(select(links.c.url, links.c.id).where(links.c.url.in_(chunk)))
        found.update({row.url: row.id for row in rows})
    return found


def link_ids(
    connection: Connection, urls: Collection[str], *, now: datetime, rows: Rows | None = None
) -> dict[str, int]:
    """The id of every URL's link row, creating rows for URLs not seen before."""
    found = existing_link_ids(connection, urls)
    missing = _insert_missing(rows or Rows(connection), urls, found, now)
    if missing:
        found.update(existing_link_ids(connection, missing))
    return found


def _insert_missing(
    rows: Rows, urls: Collection[str], found: Collection[str], now: datetime
) -> list[str]:
    """Insert link rows for the URLs not in ``found``; returns those URLs."""
    missing = [url for url in dict.fromkeys(urls) if url not in found]
    first_seen = rows.moment(now)
    columns = ("url", "first_seen_at", "fail_count")
    for chunk in chunked(missing):
        values = [(url, first_seen, 0) for url in chunk]
        if rows.through_driver:  # another writer may have added some meanwhile
            rows.insert(links, columns, values, unless_present="url")
        else:
            rows.insert_core(insert_ignoring_duplicate_urls(rows.connection), columns, values)
    return missing


def link_id(connection: Connection, url: str) -> int | None:
    return connection.execute(select(links.c.id).where(links.c.url == url)).scalar_one_or_none()


def link_histories(
    connection: Connection, urls: Collection[str], *, now: datetime
) -> dict[str, StoredLink]:
    """Each URL's link id and stored state history, creating rows for URLs not seen before."""
    found = _stored_links(connection, urls)
    missing = _insert_missing(Rows(connection), urls, found, now)
    if missing:
        found.update(_stored_links(connection, missing))
    return found


#: What :func:`_stored_links` reads of each link, in its order.
_HISTORY_COLUMNS = (
    links.c.url,
    links.c.id,
    links.c.last_checked_at,
    links.c.state,
    links.c.fail_count,
    links.c.first_failed_at,
    links.c.confirmed_dead_at,
)


#: Prepared once: the ``IN`` list as one expanding parameter, not a literal per URL.
_HISTORIES = select(*_HISTORY_COLUMNS).where(links.c.url.in_(bindparam("urls", expanding=True)))


def _stored_links(connection: Connection, urls: Collection[str]) -> dict[str, StoredLink]:
    found: dict[str, StoredLink] = {}
    for chunk in chunked(urls):
        result = connection.execute(_HISTORIES, {"urls": chunk})
        try:
            # The driver's own rows: this runs for every result the writer stores,
            # and most links have no failure dates to convert.
            rows = result.cursor.fetchall()
        finally:
            result.close()
        for url, id_, checked_at, state, fails, first_failed, dead_at in rows:
            history = LinkHistory(
                LINK_STATES[state] if state is not None else None,
                fails,
                stored_datetime(first_failed) if first_failed is not None else None,
                stored_datetime(dead_at) if dead_at is not None else None,
            )
            last = stored_datetime(checked_at) if checked_at is not None else None
            found[url] = StoredLink(id_, history, last)
    return found
