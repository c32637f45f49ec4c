"""Finding link rows by URL, creating the missing ones."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, bindparam, insert, select

from linkcheck.states import LinkHistory
from linkcheck.store.batching import chunked
from linkcheck.store.convert import stored_datetime
from linkcheck.store.rows import Rows
from linkcheck.store.schema import links
from linkcheck.types import LinkState

#: Stored state strings to states (a dict look-up is several times cheaper than ``LinkState(s)``).
LINK_STATES = {state.value: state for state in LinkState}


#: A link row as the state machine sees it: its id, its stored history, when it
#: was last checked and that check's verdict (stored form).  A plain tuple, not a
#: value class: the writer reads one for every result it stores, and building a
#: frozen dataclass cost more than reading it.
StoredLink = tuple[int, LinkHistory, datetime | None, str | None]


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


def existing_link_ids(
    connection: Connection, urls: Collection[str], *, rows: Rows | None = None
) -> dict[str, int]:
    rows = rows or Rows(connection)
    found: dict[str, int] = {}
    for chunk in chunked(urls):
        if rows.through_driver:  # a scan reads one per citation: no IN-list rendering
            result = rows.connection.exec_driver_sql(_in_list(_LINK_IDS_SQL, chunk), tuple(chunk))
            try:
                found.update(result.cursor.fetchall())
            finally:
                result.close()
        else:
            query = select(links.c.url, links.c.id).where(links.c.url.in_(chunk))
            found.update({row.url: row.id for row in connection.execute(query)})
    return found


_LINK_IDS_SQL = "SELECT url, id FROM links WHERE url IN"


def _in_list(sql: str, values: Collection[object]) -> str:
    """``sql`` (ending in ``IN``) completed with one placeholder per value."""
    return f"{sql} ({', '.join('?' * len(values))})"


def link_ids(
    connection: Connection, urls: Collection[str], *, now: datetime, rows: Rows | None = None
) -> dict[str, int]:
    """The id of every URL's link row, creating rows for URLs not seen before.

    Call inside a write transaction (:func:`~linkcheck.store.db.write_connection`).
    """
    rows = rows or Rows(connection)
    found = existing_link_ids(connection, urls, rows=rows)
    if rows.through_driver:
        found.update(_insert_numbered(rows, urls, found, now))
        return found
    missing = _insert_missing(rows, urls, found, now)
    if missing:
        found.update(existing_link_ids(connection, missing, rows=rows))
    return found


def _insert_numbered(
    rows: Rows, urls: Collection[str], found: Collection[str], now: datetime
) -> dict[str, int]:
    """Insert link rows for the URLs not in ``found`` with ids handed out here; returns them.

    SQLite only, inside the write transaction ``found`` was read in, so no other
    writer can have added these URLs (see :meth:`Rows.next_id`).  Reading the new
    ids back cost a second look-up of every new URL.
    """
    missing = [url for url in dict.fromkeys(urls) if url not in found]
    if not missing:
        return {}
    numbered = {url: number for number, url in enumerate(missing, rows.next_id(links))}
    first_seen = rows.moment(now)
    values = [(number, url, first_seen, 0) for url, number in numbered.items()]
    rows.insert(links, ("id", "url", "first_seen_at", "fail_count"), values)
    return numbered


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
    connection: Connection, urls: Collection[str], *, now: datetime, rows: Rows | None = None
) -> dict[str, StoredLink]:
    """Each URL's link id and stored state history, creating rows for URLs not seen before."""
    rows = rows or Rows(connection)
    found = _stored_links(rows, urls)
    missing = _insert_missing(rows, urls, found, now)
    if missing:
        found.update(_stored_links(rows, missing))
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
    links.c.last_verdict,
)


#: Prepared once: the ``IN`` list as one expanding parameter, not a literal per URL.
_HISTORIES = select(*_HISTORY_COLUMNS).where(links.c.url.in_(bindparam("urls", expanding=True)))


def _stored_links(rows: Rows, urls: Collection[str]) -> dict[str, StoredLink]:
    found: dict[str, StoredLink] = {}
    #: Histories without failure dates, shared: most links have one of a few.
    plain: dict[tuple[str | None, int], LinkHistory] = {}
    for chunk in chunked(urls):
        for url, id_, checked_at, state, fails, first_failed, dead_at, verdict in _history_rows(
            rows, chunk
        ):
            if first_failed is None and dead_at is None:
                history = plain.get((state, fails))
                if history is None:
                    history = plain[state, fails] = LinkHistory(_state(state), fails)
            else:
                history = LinkHistory(
                    _state(state),
                    fails,
                    stored_datetime(first_failed) if first_failed is not None else None,
                    stored_datetime(dead_at) if dead_at is not None else None,
                )
            last = stored_datetime(checked_at) if checked_at is not None else None
            found[url] = (id_, history, last, verdict)
    return found


def _history_rows(rows: Rows, urls: list[str]) -> Sequence[Any]:
    """The :data:`_HISTORY_COLUMNS` of each URL's link as the driver returns them.

    The writer reads these for every result it stores, so on SQLite the
    statement goes straight to the driver (SQLAlchemy would render and
    process the ``IN`` list on every call), and no processing is wanted:
    most links have no failure dates to convert.
    """
    if rows.through_driver:
        result = rows.connection.exec_driver_sql(_in_list(_HISTORIES_SQL, urls), tuple(urls))
    else:
        result = rows.connection.execute(_HISTORIES, {"urls": urls})
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


_HISTORIES_SQL = f"SELECT {', '.join(c.name for c in _HISTORY_COLUMNS)} FROM links WHERE url IN"


def _state(stored: str | None) -> LinkState | None:
    return LINK_STATES[stored] if stored is not None else None
