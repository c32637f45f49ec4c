"""A killed or interrupted run is resumed under its own id, checking each link exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest

from linkcheck.errors import DatabaseBusy, UsageError
from linkcheck.store import Store
from linkcheck.types import RunStatus, Verdict
from tests.store.store_factories import citation, document, dump_tables, execute, result

NIGHT = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
URLS = [f"https://site{i % 3}.example/{i}" for i in range(10)]
OPTIONS = {"max_age": "7 days, 0:00:00", "limit": 100}


def scan(store: Store) -> None:
    store.sync_documents([document("d.txt", *(citation("d.txt", url, 1) for url in URLS))])


def check(store: Store, run: int, urls: list[str]) -> None:
    with store.writer(run) as writer:
        for url in urls:
            writer.add(result(url, Verdict.ALIVE, at=NIGHT))


def checks_per_link(db_url: str, run: int) -> Counter[int]:
    return Counter(row[2] for row in dump_tables(db_url)["checks"] if row[1] == run)


def test_resuming_checks_exactly_the_links_the_run_had_not_checked(
    store: Store, db_url: str
) -> None:
    scan(store)
    run = store.start_run(inputs=["d.txt"], options=OPTIONS)
    first_part = list(store.links_to_check(limit=4))
    check(store, run, first_part)
    store.finish_run(run, RunStatus.INTERRUPTED)

    found = store.resumable_run()
    assert found is not None
    assert (found.id, found.status, found.total) == (run, RunStatus.INTERRUPTED, 4)
    inputs, options = store.resume_run(run)
    assert (inputs, options) == (["d.txt"], OPTIONS)
    summary = store.run_summary(run)
    assert summary is not None
    assert summary.status is RunStatus.RUNNING
    rest = list(store.links_to_check(documents=inputs, not_checked_in_run=run))
    assert sorted(first_part + rest) == sorted(URLS)
    check(store, run, rest)
    store.finish_run(run, RunStatus.COMPLETED)
    assert set(checks_per_link(db_url, run).values()) == {1}
    assert len(checks_per_link(db_url, run)) == len(URLS)
    assert store.resumable_run() is None


def test_a_run_left_running_by_a_killed_process_is_resumable(store: Store, db_url: str) -> None:
    scan(store)
    run = store.start_run(inputs=["d.txt"], options={})
    check(store, run, URLS[:3])
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    execute(db_url, "UPDATE runs SET pid = :pid WHERE id = :id", pid=process.pid, id=run)
    found = store.resumable_run()
    assert found is not None
    assert (found.id, found.status) == (run, RunStatus.INTERRUPTED)
    store.resume_run(run)
    assert sorted(store.links_to_check(not_checked_in_run=run)) == sorted(URLS[3:])


def test_a_later_completed_run_supersedes_an_interrupted_one(store: Store) -> None:
    interrupted = store.start_run(inputs=[], options={})
    store.finish_run(interrupted, RunStatus.INTERRUPTED)
    completed = store.start_run(inputs=[], options={})
    store.finish_run(completed, RunStatus.COMPLETED)
    assert store.resumable_run() is None
    named = store.resumable_run(interrupted)  # asking for it by id still finds it
    assert named is not None
    assert named.id == interrupted
    assert store.resumable_run(completed) is None
    with pytest.raises(UsageError, match="completed"):
        store.resume_run(completed)
    with pytest.raises(UsageError, match="no run 99"):
        store.resume_run(99)


def test_resuming_is_refused_while_another_run_is_live(store: Store) -> None:
    interrupted = store.start_run(inputs=[], options={})
    store.finish_run(interrupted, RunStatus.INTERRUPTED)
    store.start_run(inputs=[], options={})
    with pytest.raises(DatabaseBusy):
        store.resume_run(interrupted)
