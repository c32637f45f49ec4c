"""Restricting a query to the links cited by a given set of documents.

The set can hold tens of thousands of paths, more than one ``IN (...)`` list
may carry, so the paths go into a temporary table on the query's connection.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Column, ColumnElement, Connection, MetaData, Table, Text, select

from linkcheck.store.batching import chunked
from linkcheck.store.schema import citations, documents, links

_temporary = MetaData()
_selected_paths = Table(
    "linkcheck_selected_paths",
    _temporary,
    Column("path", Text, primary_key=True),
    prefixes=["TEMPORARY"],
)


@contextmanager
def cited_by(
    connection: Connection, paths: Sequence[str] | None
) -> Iterator[ColumnElement[bool] | None]:
    """A condition on ``links`` meaning "cited by one of ``paths``" (``None``: no filter).

    Commits on ``connection`` (the temporary table must outlive read transactions).
    """
    if paths is None:
        yield None
        return
    _selected_paths.drop(connection, checkfirst=True)
    _selected_paths.create(connection)
    for chunk in chunked(dict.fromkeys(paths)):
        connection.execute(_selected_paths.insert(), [{"path": path} for path in chunk])
    connection.commit()
    try:
        cited_link_ids = (
            select(citations.c.link_id)
            .join(documents, documents.c.id == citations.c.document_id)
            .where(documents.c.path.in_(select(_selected_paths.c.path)))
        )
        yield links.c.id.in_(cited_link_ids)
    finally:
        connection.rollback()
        _selected_paths.drop(connection, checkfirst=True)
        connection.commit()
