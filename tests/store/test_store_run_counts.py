"""What a run found stays as found: its counts are its own, whatever `db prune` deletes later.

Reports, the link-rot chart (``Store.runs``) and ``check --baseline`` read a
run's counts per verdict; they are written on the run row when it ends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linkcheck.store import Store
from linkcheck.types import RunStatus, RunSummary, Verdict
from tests.store.store_factories import dead_pid, dump_tables, execute, result, run_night

DAY0 = datetime(2026, 9, 1, tzinfo=UTC)
#: Each link gets the same verdict every night: after the first night none of
#: their checks changes a state, so prune may delete all but the latest.
NIGHTLY = {
    "https://example.org/gone-1": Verdict.DEAD,
    "https://example.org/gone-2": Verdict.DEAD,
    "https://example.org/soft": Verdict.SOFT_404,
    "https://example.org/flaky": Verdict.ERROR,
    "https://example.org/moved": Verdict.MOVED,
    "https://example.org/fine-1": Verdict.ALIVE,
    "https://example.org/fine-2": Verdict.ALIVE,
}
FOUND = {Verdict.DEAD: 2, Verdict.SOFT_404: 1, Verdict.ERROR: 1, Verdict.MOVED: 1, Verdict.ALIVE: 2}


def night(store: Store, day: int, status: RunStatus = RunStatus.COMPLETED) -> int:
    at = DAY0 + timedelta(days=day)
    return run_night(
        store, *(result(url, verdict, at=at) for url, verdict in NIGHTLY.items()), status=status
    )


def summary(store: Store, run: int) -> RunSummary:
    found = store.run_summary(run)
    assert found is not None
    return found


def checks_of_run(db_url: str, run: int) -> int:
    return sum(1 for row in dump_tables(db_url)["checks"] if row[1] == run)


def counts(found: RunSummary) -> tuple[dict[Verdict, int], int]:
    return dict(found.counts), found.total


@pytest.mark.parametrize(
    "status", [RunStatus.COMPLETED, RunStatus.INTERRUPTED, RunStatus.FAILED], ids=str
)
def test_pruning_keeps_an_old_runs_counts(store: Store, db_url: str, status: RunStatus) -> None:
    night(store, 0)
    second = night(store, 1, status=status)
    for day in range(2, 5):
        night(store, day)
    assert counts(summary(store, second)) == (FOUND, 7)
    chart_before = store.runs()

    store.prune(keep_latest=1)

    assert checks_of_run(db_url, second) == 0  # the run's own checks are gone...
    assert counts(summary(store, second)) == (FOUND, 7)  # ...what it found is not
    assert summary(store, second).status is status
    assert store.runs() == chart_before  # the link-rot chart is unchanged too


def test_a_run_whose_process_died_keeps_what_it_had_checked(store: Store, db_url: str) -> None:
    night(store, 0)
    killed = store.start_run(inputs=["docs/"], options={})
    with store.writer(killed) as writer:
        writer.add(result("https://example.org/gone-1", Verdict.DEAD, at=DAY0 + timedelta(1)))
        writer.add(result("https://example.org/fine-1", Verdict.ALIVE, at=DAY0 + timedelta(1)))
    execute(db_url, "UPDATE runs SET pid = :pid WHERE id = :id", pid=dead_pid(), id=killed)
    for day in range(2, 5):
        night(store, day)  # the first of these marks the killed run interrupted

    store.prune(keep_latest=1)

    found = summary(store, killed)
    assert found.status is RunStatus.INTERRUPTED
    assert checks_of_run(db_url, killed) == 0
    assert counts(found) == ({Verdict.DEAD: 1, Verdict.ALIVE: 1}, 2)


def test_a_run_from_before_stored_counts_counts_its_checks_and_prune_keeps_them(
    store: Store, db_url: str
) -> None:
    night(store, 0)
    old = night(store, 1)
    for day in range(2, 5):
        night(store, day)
    # As a database upgraded from revision 0003 holds it: no counts on the row.
    execute(db_url, "UPDATE runs SET counts = NULL WHERE id <= :id", id=old)
    assert counts(summary(store, old)) == (FOUND, 7)

    store.prune(keep_latest=1)

    assert checks_of_run(db_url, old) == 0
    assert counts(summary(store, old)) == (FOUND, 7)


def test_a_dry_run_prune_writes_nothing(store: Store, db_url: str) -> None:
    night(store, 0)
    execute(db_url, "UPDATE runs SET counts = NULL")
    before = dump_tables(db_url)
    store.prune(keep_latest=1, dry_run=True)
    assert dump_tables(db_url) == before


def test_a_running_run_counts_its_checks_as_they_are_written(store: Store) -> None:
    run = store.start_run(inputs=["docs/"], options={})
    with store.writer(run) as writer:
        writer.add(result("https://example.org/gone-1", Verdict.DEAD, at=DAY0))
    assert counts(summary(store, run)) == ({Verdict.DEAD: 1}, 1)
    with store.writer(run) as writer:
        writer.add(result("https://example.org/fine-1", Verdict.ALIVE, at=DAY0))
    assert counts(summary(store, run)) == ({Verdict.DEAD: 1, Verdict.ALIVE: 1}, 2)


def test_a_resumed_run_counts_both_parts(store: Store) -> None:
    run = store.start_run(inputs=["docs/"], options={})
    with store.writer(run) as writer:
        writer.add(result("https://example.org/gone-1", Verdict.DEAD, at=DAY0))
    store.finish_run(run, RunStatus.INTERRUPTED)
    assert counts(summary(store, run)) == ({Verdict.DEAD: 1}, 1)

    store.resume_run(run)
    with store.writer(run) as writer:
        writer.add(result("https://example.org/fine-1", Verdict.ALIVE, at=DAY0))
    assert counts(summary(store, run)) == ({Verdict.DEAD: 1, Verdict.ALIVE: 1}, 2)  # live
    store.finish_run(run, RunStatus.COMPLETED)

    assert counts(summary(store, run)) == ({Verdict.DEAD: 1, Verdict.ALIVE: 1}, 2)


def test_a_run_that_checked_nothing_counts_nothing(store: Store, db_url: str) -> None:
    empty = run_night(store)
    night(store, 0)
    store.prune(keep_latest=1)
    assert counts(summary(store, empty)) == ({}, 0)
