"""Scanning stores documents, links and citations idempotently."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from linkcheck.store import ScanStats, Store
from linkcheck.store.db import open_engine
from linkcheck.store.schema import documents
from linkcheck.store.sync import sync_documents
from linkcheck.types import CitationRef, Document, DocumentFormat, Role
from tests.store.store_factories import citation, document, dump_tables

A = "https://example.org/a"
B = "https://example.org/b"
C = "https://example.net/c"


def test_scanning_the_same_documents_twice_changes_no_rows(store: Store, db_url: str) -> None:
    docs = [
        document(
            "one.txt",
            citation("one.txt", A, 1, role=Role.ORIGINAL, cited_at=date(2025, 6, 10)),
            citation("one.txt", B, 4, 9, role=Role.RELATED, title="Bee"),
        ),
        document("two.md", citation("two.md", C, 3)),
    ]
    first = store.sync_documents(docs)
    before = dump_tables(db_url)
    second = store.sync_documents(docs)
    assert dump_tables(db_url) == before
    assert first == ScanStats(added=2, updated=0, unchanged=0, citations=3)
    assert second == ScanStats(added=0, updated=0, unchanged=2, citations=0)
    assert len(before["links"]) == 3
    assert len(before["citations"]) == 3


def test_a_changed_document_replaces_its_citations(store: Store) -> None:
    store.sync_documents(
        [document("doc.txt", citation("doc.txt", A, 1), citation("doc.txt", B, 2))]
    )
    stats = store.sync_documents(
        [
            document(
                "doc.txt",
                citation("doc.txt", A, 5, 7),
                citation("doc.txt", C, 8),
                content_hash="v2",
            )
        ]
    )
    assert stats == ScanStats(added=0, updated=1, unchanged=0, citations=2)
    assert store.citations_of(A) == [CitationRef("doc.txt", (5, 7), Role.INLINE)]
    assert store.citations_of(B) == []
    assert store.citations_of(C) == [CitationRef("doc.txt", (8,), Role.INLINE)]
    assert store.known_hash("doc.txt") == "v2"


def test_two_documents_citing_one_url_share_its_link(store: Store, db_url: str) -> None:
    store.sync_documents(
        [
            document("one.txt", citation("one.txt", A, 2)),
            document("two.txt", citation("two.txt", A, 6, role=Role.RELATED)),
        ]
    )
    assert [row[1] for row in dump_tables(db_url)["links"]] == [A]
    assert store.citations_of(A) == [
        CitationRef("one.txt", (2,), Role.INLINE),
        CitationRef("two.txt", (6,), Role.RELATED),
    ]


def test_repeated_citations_of_a_url_in_one_document_are_merged(store: Store) -> None:
    store.sync_documents(
        [document("doc.txt", citation("doc.txt", A, 9), citation("doc.txt", A, 3, title="T"))]
    )
    assert store.citations_of(A) == [CitationRef("doc.txt", (3, 9), Role.INLINE, title="T")]


def test_known_hash_is_none_for_an_unknown_document(store: Store) -> None:
    assert store.known_hash("never-seen.txt") is None


def test_touch_documents_marks_them_seen_without_changing_content(
    store: Store, db_url: str
) -> None:
    store.sync_documents([document("doc.txt", citation("doc.txt", A, 1))])
    before = dump_tables(db_url)["documents"][0]
    store.touch_documents(["doc.txt", "unknown.txt"])
    after = dump_tables(db_url)["documents"][0]
    assert store.known_hash("doc.txt") == "v1"
    seen = [column.name for column in documents.columns].index("last_seen_at")
    assert str(after[seen]) > str(before[seen])  # an ISO string
    assert after[:seen] + after[seen + 1 :] == before[:seen] + before[seen + 1 :]


def test_many_documents_are_stored_across_transactions(store: Store) -> None:
    docs = [
        document(f"d{i}.txt", citation(f"d{i}.txt", f"https://h{i % 7}.org/{i}", 1))
        for i in range(450)
    ]
    assert store.sync_documents(iter(docs)).added == 450
    assert len(list(store.links_to_check())) == 450


def test_reparse_replaces_the_citations_of_an_unchanged_document(store: Store) -> None:
    store.sync_documents([document("a.md", citation("a.md", "https://x.example/old", 1))])
    # Same content hash, other citations: what a new reading of the same bytes finds.
    again = [document("a.md", citation("a.md", "https://x.example/new", 2))]
    assert store.sync_documents(again) == ScanStats(unchanged=1)
    assert [ref.lines for ref in store.citations_of("https://x.example/old")] == [(1,)]
    stats = store.sync_documents(again, reparse=True)
    assert (stats.updated, stats.unchanged) == (1, 0)
    assert store.citations_of("https://x.example/old") == []
    assert [ref.lines for ref in store.citations_of("https://x.example/new")] == [(2,)]


def test_a_scan_through_the_driver_writes_exactly_the_rows_core_writes(tmp_path: Path) -> None:
    """On SQLite the scan's bulk inserts bypass SQLAlchemy's per-value processing; the rows
    (dates, times, titles, merged repeats, an updated document) must not differ."""
    first = [
        Document(
            path="a.txt",
            format=DocumentFormat.ARTICLE,
            content_hash="v1",
            own_url="https://news.example/a",
            cited_at=date(2025, 6, 10),
            citations=(
                citation(
                    "a.txt", "https://x.example/1", 3, title="One", cited_at=date(2025, 6, 10)
                ),
                citation("a.txt", "https://x.example/1", 9),  # a repeat: lines merged
                citation("a.txt", "https://y.example/é", 4, role=Role.RELATED),
                # a fragment, and a title "0" that must not read as the NULL stand-in
                replace(citation("a.txt", "https://y.example/f", 5, title="0"), fragment="part-2"),
            ),
        ),
        document("b.md", citation("b.md", "https://x.example/1", 2)),
    ]
    changed = [document("b.md", citation("b.md", "https://z.example/", 5), content_hash="v2")]
    moments = [datetime(2026, 11, 27, 5, 1, 2, 345678, tzinfo=UTC), datetime(2026, 11, 28, 0, 0)]
    written = []
    for through_driver in (True, False):
        url = f"sqlite:///{tmp_path / f'scan-{through_driver}.db'}"
        Store.open(url).close()
        engine = open_engine(url)
        try:
            for docs, now in zip((first, changed), moments, strict=True):
                sync_documents(engine, docs, now=now, through_driver=through_driver)
        finally:
            engine.dispose()
        written.append(dump_tables(url))
    assert written[0] == written[1]
    assert len(written[0]["citations"]) == 4
    assert len(written[0]["links"]) == 4
    assert ("0", "part-2") in [row[6:9:2] for row in written[0]["citations"]]
