"""Finding link rows by URL, creating the missing ones."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from linkcheck.store.batching import chunked
from linkcheck.store.schema import links


def insert_ignoring_duplicate_urls(connection: Connection) -> Insert:
    """An INSERT into links that skips URLs already present (another writer may race us)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(links).on_conflict_do_nothing(index_elements=["url"])
    if dialect == "postgresql":
        return postgresql.insert(links).on_conflict_do_nothing(index_elements=["url"])
    return insert(links)


def existing_link_ids(connection: Connection, urls: Collection[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunked(urls):
        rows = connection.execute(select(links.c.url, links.c.id).where(links.c.url.in_(chunk)))
        found.update({row.url: row.id for row in rows})
    return found


def link_ids(connection: Connection, urls: Collection[str], *, now: datetime) -> dict[str, int]:
    """The id of every URL's link row, creating rows for URLs not seen before."""
    found = existing_link_ids(connection, urls)
    missing = [url for url in dict.fromkeys(urls) if url not in found]
    if missing:
        for chunk in chunked(missing):
            connection.execute(
                insert_ignoring_duplicate_urls(connection),
                [{"url": url, "first_seen_at": now, "fail_count": 0} for url in chunk],
            )
        found.update(existing_link_ids(connection, missing))
    return found


def link_id(connection: Connection, url: str) -> int | None:
    return connection.execute(select(links.c.id).where(links.c.url == url)).scalar_one_or_none()
