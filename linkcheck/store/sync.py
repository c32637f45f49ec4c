"""Storing scanned documents with their links and citations.

A document whose content hash is unchanged is left alone, so scanning the same
files again writes nothing.  A changed document has its citations brought in
line with the new content: kept ones are updated in place, ones no longer
cited are removed, new ones added.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    tuple_,
    update,
)

from linkcheck.store.batching import CHUNK, chunked
from linkcheck.store.convert import STORED_VALUES, encode_lines
from linkcheck.store.db import write_connection
from linkcheck.store.links import link_ids
from linkcheck.store.rows import Rows
from linkcheck.store.schema import citations, documents
from linkcheck.types import Citation, Document, Role

#: Documents handled per write transaction: bounds memory and lock time.
DOCUMENTS_PER_TRANSACTION = 200

#: What identifies one citation within a document.
CitationKey = tuple[int, str, str | None]  # link id, role, fragment


@dataclass(frozen=True, slots=True)
class ScanStats:
    """What :meth:`Store.sync_documents` did.

    ``citations`` counts the citations stored for added and updated documents;
    ``removed`` the stored documents forgotten because their files are gone.
    """

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    citations: int = 0
    removed: int = 0

    def __add__(self, other: ScanStats) -> ScanStats:
        return ScanStats(
            added=self.added + other.added,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
            citations=self.citations + other.citations,
            removed=self.removed + other.removed,
        )


def locate_documents(engine: Engine, located: Sequence[tuple[str, str]]) -> None:
    """Give documents stored before revision 0005 their location, read by a later scan.

    A location another document already has is that document's: one row per
    file.  When the two rows also hold the same content, they are one file
    stored twice (a scan from another working directory stored it again before
    this one located the old row): the old row goes, with its citations, and
    the located one takes the name this scan read the file under.
    """
    others = documents.alias("others")
    taken = exists().where(others.c.location == bindparam("place"))
    statement = (
        update(documents)
        .where(documents.c.path == bindparam("name"), documents.c.location.is_(None), ~taken)
        .values(location=bindparam("place"))
    )
    for chunk in chunked(located, CHUNK):
        with write_connection(engine) as connection:
            connection.execute(statement, [{"name": path, "place": where} for path, where in chunk])
            _merge_twins(connection, chunk)


def _merge_twins(connection: Connection, located: Sequence[tuple[str, str]]) -> None:
    """Rows still without a location after the update above met a located row of the
    same file; merge those whose content is the same (see :func:`locate_documents`)."""
    unlocated = documents.alias("unlocated")
    twins = connection.execute(
        select(unlocated.c.id, unlocated.c.path, documents.c.id)
        .join(documents, documents.c.content_hash == unlocated.c.content_hash)
        .where(
            unlocated.c.location.is_(None),
            unlocated.c.path.in_([path for path, _ in located]),
            tuple_(unlocated.c.path, documents.c.location).in_(list(located)),
        )
    ).all()
    for old_id, name, located_id in twins:
        connection.execute(delete(citations).where(citations.c.document_id == old_id))
        connection.execute(delete(documents).where(documents.c.id == old_id))
        connection.execute(update(documents).where(documents.c.id == located_id).values(path=name))


def forget_documents(engine: Engine, document_ids: Sequence[int]) -> int:
    """Delete these documents with their citations; returns how many there were.

    By id, not by name: another scan may have given the name to another file
    meanwhile.  Their links stay, with all their history: another document may
    cite them, and a link cited by none is simply no longer in any run's scope.
    """
    forgotten = 0
    for chunk in chunked(document_ids, CHUNK):
        with write_connection(engine) as connection:
            connection.execute(delete(citations).where(citations.c.document_id.in_(chunk)))
            forgotten += connection.execute(
                delete(documents).where(documents.c.id.in_(chunk))
            ).rowcount
    return forgotten


def sync_documents(
    engine: Engine,
    docs: Iterable[Document],
    *,
    now: datetime,
    reparse: bool = False,
    through_driver: bool | None = None,
) -> ScanStats:
    """Store ``docs``; ``through_driver`` as in :class:`~linkcheck.store.rows.Rows`.

    A stored document whose content hash is unchanged is left alone, unless
    ``reparse``: then its citations are replaced by those just extracted.
    """
    total = ScanStats()
    for chunk in chunked(docs, DOCUMENTS_PER_TRANSACTION):
        with write_connection(engine) as connection:
            rows = Rows(connection, through_driver)
            total += _sync_chunk(rows, _last_per_path(chunk), now=now, reparse=reparse)
    return total


def _last_per_path(docs: Sequence[Document]) -> list[Document]:
    """One document per path (the last one given wins)."""
    return list({doc.path: doc for doc in docs}.values())


def _sync_chunk(rows: Rows, docs: Sequence[Document], *, now: datetime, reparse: bool) -> ScanStats:
    connection = rows.connection
    stored = _stored_rows(connection, docs)
    new = [doc for doc in docs if doc.path not in stored]
    changed = [
        doc
        for doc in docs
        if doc.path in stored and (reparse or stored[doc.path][1] != doc.content_hash)
    ]
    if not new and not changed:
        return ScanStats(unchanged=len(docs))
    cited = [citation.url for doc in [*new, *changed] for citation in doc.citations]
    ids = link_ids(connection, cited, now=now, rows=rows)
    written = _insert_new_documents(rows, new, ids, now=now)
    for doc in changed:
        document_id = stored[doc.path][0]
        _update_document(connection, document_id, doc, now=now)
        existing = _stored_citations(connection, document_id)
        written += _write_citations(connection, document_id, _keyed(doc.citations, ids), existing)
    return ScanStats(
        added=len(new),
        updated=len(changed),
        unchanged=len(docs) - len(new) - len(changed),
        citations=written,
    )


def _stored_hashes(connection: Connection, paths: Sequence[str]) -> dict[str, tuple[int, str]]:
    query = select(documents.c.path, documents.c.id, documents.c.content_hash).where(
        documents.c.path.in_(paths)
    )
    return {row.path: (row.id, row.content_hash) for row in connection.execute(query)}


def _stored_rows(connection: Connection, docs: Sequence[Document]) -> dict[str, tuple[int, str]]:
    """The stored row (id, content hash) of each document that has one, by its path.

    A document is its file: its row is found by location first, under whatever
    name it was stored (names are relative to the working directory of a scan),
    else by name, unless that row is known to be another file.  Rows then take
    the names this scan gives them; a row whose name now belongs to another
    file is named by its location until a scan names it again.
    """
    paths = [doc.path for doc in docs]
    locations = [doc.location for doc in docs if doc.location is not None]
    found: list[Any] = list(
        connection.execute(
            select(documents.c.id, documents.c.path, documents.c.location, documents.c.content_hash)
            .where(or_(documents.c.path.in_(paths), documents.c.location.in_(locations)))
            .order_by(documents.c.id)
        )
    )
    by_path = {row.path: row for row in found}
    by_location: dict[str, Any] = {}
    for row in found:
        if row.location is not None:
            by_location.setdefault(row.location, row)  # the oldest row of a file
    matched: dict[str, Any] = {}
    taken: set[int] = set()
    for doc in docs:
        row = by_location.get(doc.location) if doc.location is not None else None
        if row is None or row.id in taken:
            row = by_path.get(doc.path)
            # Without a location on either side, the name is all there is to go by.
            both_located = row is not None and None not in (doc.location, row.location)
            if row is None or row.id in taken or (both_located and row.location != doc.location):
                row = None
        if row is not None:
            taken.add(row.id)
            matched[doc.path] = row
    _rename(connection, matched, [row for row in found if row.id not in taken], set(paths))
    return {path: (row.id, row.content_hash) for path, row in matched.items()}


def _rename(
    connection: Connection, matched: dict[str, Any], others: Sequence[Any], names: set[str]
) -> None:
    """Give matched rows their new names, and rows holding a name now given to another
    file their location; through temporary names, so no two rows ever share one."""
    final = {row.id: path for path, row in matched.items() if row.path != path}
    for row in others:
        if row.path in names:  # the name now belongs to another file
            final[row.id] = row.location or f"{row.path} (replaced, row {row.id})"
    if not final:
        return
    # First out of every name being handed round, then into the new one: one
    # statement each (a scan from another working directory renames every row).
    connection.execute(_RENAME, [{"row": i, "name": f"\0renaming {i}"} for i in final])
    connection.execute(_RENAME, [{"row": i, "name": path} for i, path in final.items()])


_RENAME = update(documents).where(documents.c.id == bindparam("row")).values(path=bindparam("name"))


def _document_values(doc: Document, *, now: datetime) -> dict[str, Any]:
    return {
        "location": doc.location,
        "format": doc.format.value,
        "content_hash": doc.content_hash,
        "own_url": doc.own_url,
        "cited_at": doc.cited_at,
        "updated_at": now,
        "last_seen_at": now,
    }


def _insert_new_documents(
    rows: Rows, new: Sequence[Document], ids: dict[str, int], *, now: datetime
) -> int:
    """Insert documents never seen before and their citations: three statements a chunk,
    not two a document (a first scan of a large collection is mostly this)."""
    if not new:
        return 0
    moment, day, null = rows.moment, rows.day, rows.null_text
    stamp = moment(now)
    rows.insert(
        documents,
        _DOCUMENT_COLUMNS,
        [
            (
                doc.path,
                STORED_VALUES[doc.format],
                doc.content_hash,
                doc.own_url if doc.own_url is not None else null,
                day(doc.cited_at) if doc.cited_at is not None else null,
                stamp,
                stamp,
                stamp,
                doc.location if doc.location is not None else null,
            )
            for doc in new
        ],
        null_text=("own_url", "cited_at", "location"),
    )
    document_ids = _stored_hashes(rows.connection, [doc.path for doc in new])
    citation_rows = [
        (
            document_ids[doc.path][0],
            link_id,
            written,
            lines,
            role,
            title if title is not None else null,
            fragment if fragment is not None else null,
            day(cited_at) if cited_at is not None else null,
        )
        for doc in new
        for link_id, written, lines, role, title, fragment, cited_at in _keyed_rows(
            doc.citations, ids
        )
    ]
    rows.insert(
        citations,
        ("document_id", *_CITATION_VALUES),
        citation_rows,
        null_text=("title", "fragment", "cited_at"),
    )
    return len(citation_rows)


#: The columns of a new document's row, in the order ``_insert_new_documents`` gives them.
_DOCUMENT_COLUMNS = (
    "path",
    "format",
    "content_hash",
    "own_url",
    "cited_at",
    "first_seen_at",
    "updated_at",
    "last_seen_at",
    "location",
)
#: The values of a citation's row (:func:`_keyed_rows`), in its order.
_CITATION_VALUES = ("link_id", "url_as_written", "lines", "role", "title", "fragment", "cited_at")


def _update_document(
    connection: Connection, document_id: int, doc: Document, *, now: datetime
) -> None:
    connection.execute(
        update(documents)
        .where(documents.c.id == document_id)
        .values(_document_values(doc, now=now))
    )


def _keyed(found: Sequence[Citation], ids: dict[str, int]) -> dict[CitationKey, dict[str, Any]]:
    """Citation rows by key, as dicts of :data:`_CITATION_VALUES`; repeats of one key
    are merged (lines joined, first title kept)."""
    return {
        (row[0], row[3], row[5]): dict(zip(_CITATION_VALUES, row, strict=True))
        for row in _keyed_rows(found, ids)
    }


def _keyed_rows(found: Sequence[Citation], ids: dict[str, int]) -> list[tuple[Any, ...]]:
    """One row of :data:`_CITATION_VALUES` per citation key (link id, role, fragment);
    repeats of one key are merged (lines joined, first title and date kept).

    Tuples, not dicts: a first scan builds one per citation.
    """
    keyed: dict[CitationKey, tuple[Any, ...]] = {}
    roles = _ROLE_VALUES
    for citation in found:
        link_id = ids[citation.url]
        role = roles[citation.role]
        key = (link_id, role, citation.fragment)
        earlier = keyed.get(key)
        if earlier is None:
            keyed[key] = (
                link_id,
                citation.url_as_written,
                encode_lines(citation.lines),
                role,
                citation.title,
                citation.fragment,
                citation.cited_at,
            )
        else:
            _, written, lines, _, title, fragment, cited_at = earlier
            keyed[key] = (
                link_id,
                written,
                encode_lines(sorted({*_split(lines), *citation.lines})),
                role,
                title or citation.title,
                fragment,
                cited_at or citation.cited_at,
            )
    return list(keyed.values())


_ROLE_VALUES = {role: role.value for role in Role}


def _split(lines: str) -> list[int]:
    return [int(part) for part in lines.split(",") if part]


def _stored_citations(
    connection: Connection, document_id: int
) -> dict[CitationKey, dict[str, Any]]:
    query = select(citations).where(citations.c.document_id == document_id)
    stored: dict[CitationKey, dict[str, Any]] = {}
    for row in connection.execute(query).mappings():
        stored[(row["link_id"], row["role"], row["fragment"])] = dict(row)
    return stored


def _write_citations(
    connection: Connection,
    document_id: int,
    wanted: dict[CitationKey, dict[str, Any]],
    stored: dict[CitationKey, dict[str, Any]],
) -> int:
    """Make the document's stored citations equal ``wanted``; returns how many it has now."""
    gone = [row["id"] for key, row in stored.items() if key not in wanted]
    for chunk in chunked(gone, CHUNK):
        connection.execute(delete(citations).where(citations.c.id.in_(chunk)))
    fresh = [
        {"document_id": document_id, **row} for key, row in wanted.items() if key not in stored
    ]
    if fresh:
        connection.execute(insert(citations), fresh)
    altered = [
        {"citation_id": stored[key]["id"], **{f"new_{name}": value for name, value in row.items()}}
        for key, row in wanted.items()
        if key in stored and any(stored[key][name] != value for name, value in row.items())
    ]
    if altered:
        # Bind names must differ from column names in an UPDATE's SET clause.
        new_values: dict[str, Any] = {
            name: bindparam(f"new_{name}") for name in wanted[next(iter(wanted))]
        }
        connection.execute(
            update(citations).where(citations.c.id == bindparam("citation_id")).values(new_values),
            altered,
        )
    return len(wanted)
