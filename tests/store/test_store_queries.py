"""Due links, report rows, run summaries, snapshots and saves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from linkcheck.store import Store
from linkcheck.types import (
    CitationRef,
    Hop,
    Role,
    RunStatus,
    SaveOutcome,
    SaveStatus,
    Snapshot,
    SnapshotDirection,
    Verdict,
)
from tests.store.store_factories import citation, document, dump_tables, result

NOW = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
A, B, C, D = (f"https://example.org/{name}" for name in "abcd")


def check(store: Store, *results_: tuple[str, Verdict, datetime]) -> int:
    run = store.start_run(inputs=["docs/"], options={"max_age": timedelta(days=7)})
    with store.writer(run) as writer:
        for url, verdict, at in results_:
            writer.add(result(url, verdict, at=at))
    store.finish_run(run, RunStatus.COMPLETED)
    return run


def scan(store: Store) -> None:
    store.sync_documents(
        [
            document("one.txt", citation("one.txt", A, 1), citation("one.txt", B, 2)),
            document("two.txt", citation("two.txt", B, 5), citation("two.txt", C, 6)),
            document("three.txt", citation("three.txt", D, 3)),
        ]
    )


def test_every_link_is_due_without_max_age(store: Store) -> None:
    scan(store)
    check(store, (A, Verdict.ALIVE, NOW - timedelta(hours=1)))
    assert list(store.links_to_check(now=NOW)) == [A, B, C, D]


def test_max_age_selects_unchecked_and_stale_links(store: Store) -> None:
    scan(store)
    check(
        store,
        (A, Verdict.ALIVE, NOW - timedelta(days=10)),
        (B, Verdict.ALIVE, NOW - timedelta(days=1)),
        (C, Verdict.DEAD, NOW - timedelta(days=8)),
    )
    due = list(store.links_to_check(max_age=timedelta(days=7), now=NOW))
    assert due == [D, C, A]  # never checked, then failing, then overdue


def test_documents_restrict_the_due_links(store: Store) -> None:
    scan(store)
    assert list(store.links_to_check(documents=["two.txt", "three.txt"])) == [B, C, D]
    assert list(store.links_to_check(documents=["one.txt"], limit=1)) == [A]
    assert list(store.links_to_check(documents=[])) == []


def test_due_links_stream_across_pages_without_repeats(store: Store) -> None:
    urls = [f"https://h{i % 9}.example/{i}" for i in range(2500)]
    store.sync_documents([document("big.txt", *(citation("big.txt", url, 1) for url in urls))])
    due = store.links_to_check(max_age=timedelta(0), now=NOW + timedelta(days=1))
    first = [next(due) for _ in range(1500)]
    # Checking while the iteration is under way must not bring links back.
    check(store, *((url, Verdict.ALIVE, NOW) for url in first))
    rest = list(due)
    assert sorted(first + rest) == sorted(urls)
    assert list(store.links_to_check(limit=3)) == urls[:3]


def test_link_rows_carry_the_runs_results_with_citations(store: Store) -> None:
    scan(store)
    check(store, (A, Verdict.ALIVE, NOW - timedelta(days=1)), (B, Verdict.ALIVE, NOW))
    run = store.start_run(inputs=[], options={})
    with store.writer(run) as writer:
        writer.add(
            result(
                B,
                Verdict.DEAD,
                at=NOW,
                status_code=404,
                hops=(Hop(B, 301, B + "/"), Hop(B + "/", 404)),
            )
        )
        writer.add(result(C, Verdict.BLOCKED, at=NOW, status_code=403))
    rows = list(store.link_rows())  # the latest run
    assert [row.url for row in rows] == [B, C]
    dead = rows[0]
    assert dead.result is not None
    assert dead.result.verdict is Verdict.DEAD
    assert dead.result.status_code == 404
    assert [hop.status_code for hop in dead.result.hops] == [301, 404]
    assert dead.citations == (
        CitationRef("one.txt", (2,), Role.INLINE),
        CitationRef("two.txt", (5,), Role.INLINE),
    )
    failing = list(store.link_rows(run_id=run, verdicts={Verdict.DEAD, Verdict.SOFT_404}))
    assert [row.url for row in failing] == [B]
    in_two = list(store.link_rows(run_id=run, documents=["two.txt"]))
    assert [row.url for row in in_two] == [B, C]
    in_three = list(store.link_rows(run_id=run, documents=["three.txt"]))
    assert in_three == []
    earlier = list(store.link_rows(run_id=run - 1))
    assert [(row.url, row.result and row.result.verdict) for row in earlier] == [
        (A, Verdict.ALIVE),
        (B, Verdict.ALIVE),
    ]


def test_link_rows_stream_in_link_order_across_pages(store: Store) -> None:
    # Link order (the order links were first stored), not URL order: the index
    # gives it without sorting the whole run first.  Every link once, each row
    # with its own check and hops, on both sides of a page boundary.
    urls = [f"https://h{i % 13}.example/{i}" for i in range(2100)]
    run = store.start_run(inputs=[], options={})
    with store.writer(run) as writer:
        for url in urls:
            writer.add(result(url, hops=(Hop(url, 301, url + "/"), Hop(url + "/", 200))))
    rows = list(store.link_rows(run_id=run))
    assert [row.url for row in rows] == urls
    assert all(row.result is not None and row.result.url == row.url for row in rows)
    assert all(row.result and row.result.hops[1].url == row.url + "/" for row in rows)


def test_run_summary_counts_verdicts_of_that_run(store: Store) -> None:
    scan(store)
    first = check(store, (A, Verdict.ALIVE, NOW), (B, Verdict.DEAD, NOW))
    second = check(store, (A, Verdict.ALIVE, NOW), (C, Verdict.ERROR, NOW), (D, Verdict.ERROR, NOW))
    latest = store.run_summary()
    assert latest is not None
    assert latest.id == second
    assert latest.counts == {Verdict.ALIVE: 1, Verdict.ERROR: 2}
    assert latest.total == 3
    assert latest.status is RunStatus.COMPLETED
    assert latest.finished_at is not None
    older = store.run_summary(first)
    assert older is not None
    assert older.counts == {Verdict.ALIVE: 1, Verdict.DEAD: 1}
    assert [summary.id for summary in store.runs()] == [second, first]
    assert [summary.id for summary in store.runs(limit=1)] == [second]


def test_a_new_run_is_running_until_finished(store: Store) -> None:
    run = store.start_run(inputs=["a", "b"], options={"when": NOW, "n": 3})
    summary = store.run_summary(run)
    assert summary is not None
    assert summary.status is RunStatus.RUNNING
    assert summary.finished_at is None
    store.finish_run(run, RunStatus.INTERRUPTED)
    finished = store.run_summary(run)
    assert finished is not None
    assert finished.status is RunStatus.INTERRUPTED


def test_no_runs_means_no_summary_and_no_rows(store: Store) -> None:
    assert store.run_summary() is None
    assert store.runs() == []
    assert list(store.link_rows()) == []


def test_the_latest_snapshot_is_returned_and_shown_in_rows(store: Store) -> None:
    scan(store)
    none_found = Snapshot(
        url=A, looked_up_at=NOW - timedelta(days=2), direction=SnapshotDirection.NONE
    )
    found = Snapshot(
        url=A,
        looked_up_at=NOW,
        direction=SnapshotDirection.BEFORE,
        archive_url="https://web.archive.org/web/20250101000000/" + A,
        captured_at=datetime(2025, 1, 1, tzinfo=UTC),
        status_code=200,
        cited_at=date(2025, 6, 10),
        distance=timedelta(days=160),
    )
    store.save_snapshot(found)
    store.save_snapshot(none_found)
    assert store.latest_snapshot(A) == found
    assert store.latest_snapshot(B) is None
    check(store, (A, Verdict.DEAD, NOW))
    (row,) = store.link_rows()
    assert row.snapshot == found


def test_save_outcomes_are_recorded(store: Store, db_url: str) -> None:
    store.save_outcome(
        SaveOutcome(
            url="https://fresh.example/",
            requested_at=NOW,
            status=SaveStatus.RETRY_LATER,
            status_ext="error:user-session-limit",
        )
    )
    (save,) = dump_tables(db_url)["saves"]
    assert "retry_later" in save
    assert "error:user-session-limit" in save


def test_last_alive_at_ignores_failing_checks(store: Store) -> None:
    check(store, (A, Verdict.MOVED, NOW - timedelta(days=3)))
    check(store, (A, Verdict.DEAD, NOW))
    assert store.last_alive_at(A) == NOW - timedelta(days=3)
    assert store.last_alive_at(B) is None


def test_naive_datetimes_are_taken_as_utc(store: Store) -> None:
    naive = datetime(2026, 2, 1, 8, 30)
    check(store, (A, Verdict.ALIVE, naive))
    (only,) = store.history(A)
    assert only.checked_at == naive.replace(tzinfo=UTC)


def test_an_in_memory_database_works_across_the_writer_thread() -> None:
    with Store.open("sqlite://") as store:
        check(store, (A, Verdict.ALIVE, NOW))
        assert [row.url for row in store.link_rows()] == [A]
