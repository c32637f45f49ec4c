"""db prune thins history but keeps what matters; db stats counts what the database holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkcheck.states import DeathPolicy
from linkcheck.store import PruneStats, Store
from linkcheck.types import Hop, LinkState, RunStatus, Snapshot, SnapshotDirection, Verdict
from tests.store.store_factories import citation, document, dump_tables, result, run_night

DAY0 = datetime(2026, 8, 1, tzinfo=UTC)
A, B = "https://example.org/a", "https://example.org/b"
#: A's nights: alive for a long time, dead for a while, alive again.
A_VERDICTS = [Verdict.ALIVE] * 8 + [Verdict.DEAD] * 4 + [Verdict.ALIVE] * 6


def history_nights(store: Store) -> None:
    policy = DeathPolicy(confirm_checks=2, confirm_days=1)
    for night, verdict in enumerate(A_VERDICTS):
        at = DAY0 + timedelta(days=night)
        run_night(
            store,
            result(A, verdict, at=at, hops=(Hop(A, 200 if verdict is Verdict.ALIVE else 404),)),
            result(B, Verdict.ALIVE, at=at),
            policy=policy,
        )


def verdict_days(store: Store, url: str) -> list[tuple[int, Verdict]]:
    return [((check.checked_at - DAY0).days, check.verdict) for check in store.history(url)]


def test_prune_keeps_the_latest_checks_and_every_transition(store: Store, db_url: str) -> None:
    history_nights(store)
    before = dump_tables(db_url)
    dry = store.prune(keep_latest=3, dry_run=True)
    assert dump_tables(db_url) == before
    pruned = store.prune(keep_latest=3)
    assert pruned == dry
    # A: kept are its first check (None -> alive), the day it started failing (8),
    # the day death was confirmed (9), the day it recovered (12), the day after, when
    # it counted as plainly alive again (13), and its latest three.
    assert verdict_days(store, A) == [
        (0, Verdict.ALIVE),
        (8, Verdict.DEAD),
        (9, Verdict.DEAD),
        (12, Verdict.ALIVE),
        (13, Verdict.ALIVE),
        (15, Verdict.ALIVE),
        (16, Verdict.ALIVE),
        (17, Verdict.ALIVE),
    ]
    assert verdict_days(store, B) == [
        (0, Verdict.ALIVE),
        (15, Verdict.ALIVE),
        (16, Verdict.ALIVE),
        (17, Verdict.ALIVE),
    ]
    a_deleted = len(A_VERDICTS) - 8
    b_deleted = len(A_VERDICTS) - 4
    assert pruned == PruneStats(checks_deleted=a_deleted + b_deleted, hops_deleted=a_deleted)
    assert len(dump_tables(db_url)["hops"]) == 8
    assert store.prune(keep_latest=3) == PruneStats()  # nothing more to do


def test_prune_never_deletes_a_links_latest_check(store: Store) -> None:
    history_nights(store)
    store.prune(keep_latest=0)
    assert verdict_days(store, B) == [(0, Verdict.ALIVE), (17, Verdict.ALIVE)]
    (row,) = [row for row in store.link_rows() if row.url == B]
    assert row.result is not None
    assert row.result.checked_at == DAY0 + timedelta(days=17)


def test_stats_count_what_the_database_holds(store: Store) -> None:
    empty = store.stats()
    assert (empty.links, empty.checks, empty.latest_run) == (0, 0, None)
    store.sync_documents(
        [
            document("one.txt", citation("one.txt", A, 1), citation("one.txt", B, 2)),
            document("two.txt", citation("two.txt", A, 7)),
        ]
    )
    store.save_snapshot(Snapshot(url=A, looked_up_at=DAY0, direction=SnapshotDirection.NONE))
    immediate = DeathPolicy.immediate()
    run_night(store, result(A, Verdict.DEAD, at=DAY0, hops=(Hop(A, 404),)), policy=immediate)
    last = run_night(store, result(A, Verdict.ERROR, at=DAY0 + timedelta(days=1)))
    stats = store.stats()
    assert (stats.documents, stats.links, stats.citations) == (2, 2, 3)
    assert (stats.runs, stats.checks, stats.hops, stats.snapshots, stats.saves) == (2, 2, 1, 1, 0)
    assert stats.links_by_state == {LinkState.DEAD: 1, None: 1}
    assert stats.links_by_verdict == {Verdict.ERROR: 1, None: 1}
    assert stats.latest_run is not None
    assert (stats.latest_run.id, stats.latest_run.status) == (last, RunStatus.COMPLETED)
    assert stats.file_bytes is not None and stats.file_bytes > 0


def test_stats_of_an_in_memory_database_have_no_file_size() -> None:
    with Store.open("sqlite://") as store:
        assert store.stats().file_bytes is None
