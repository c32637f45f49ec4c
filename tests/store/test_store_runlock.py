"""One live run per database: a second one refuses or waits; a dead one never blocks."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from linkcheck.errors import DatabaseBusy
from linkcheck.store import Store, Waiting
from linkcheck.types import RunStatus
from tests.store.store_factories import dead_pid, execute


def status_of(store: Store, run: int) -> RunStatus:
    summary = store.run_summary(run)
    assert summary is not None
    return summary.status


def test_a_second_run_is_refused_while_one_is_running(store: Store) -> None:
    first = store.start_run(inputs=["docs/"], options={})
    with pytest.raises(DatabaseBusy) as refused:
        store.start_run(inputs=["docs/"], options={})
    message = str(refused.value)
    assert f"run {first}" in message
    assert f"pid {os.getpid()}" in message
    assert socket.gethostname() in message
    assert "--wait" in message
    assert status_of(store, first) is RunStatus.RUNNING
    store.finish_run(first, RunStatus.COMPLETED)
    store.start_run(inputs=["docs/"], options={})  # free again


def test_a_run_whose_process_died_is_marked_interrupted_and_does_not_block(
    store: Store, db_url: str
) -> None:
    killed = store.start_run(inputs=[], options={})
    execute(db_url, "UPDATE runs SET pid = :pid WHERE id = :id", pid=dead_pid(), id=killed)
    second = store.start_run(inputs=[], options={})
    assert status_of(store, killed) is RunStatus.INTERRUPTED
    assert status_of(store, second) is RunStatus.RUNNING


def test_a_run_on_another_host_is_alive_while_its_heartbeat_is_fresh(
    store: Store, db_url: str
) -> None:
    remote = store.start_run(inputs=[], options={})
    now = datetime.now(UTC).replace(tzinfo=None)
    execute(
        db_url,
        "UPDATE runs SET host = 'elsewhere', pid = 1, heartbeat_at = :at WHERE id = :id",
        at=now - timedelta(seconds=20),
        id=remote,
    )
    with pytest.raises(DatabaseBusy, match="elsewhere"):
        store.start_run(inputs=[], options={})
    execute(
        db_url,
        "UPDATE runs SET heartbeat_at = :at WHERE id = :id",
        at=now - timedelta(minutes=10),
        id=remote,
    )
    store.start_run(inputs=[], options={})
    assert status_of(store, remote) is RunStatus.INTERRUPTED


def test_waiting_succeeds_when_the_other_run_finishes_meanwhile(store: Store) -> None:
    first = store.start_run(inputs=[], options={})
    finisher = threading.Timer(0.2, store.finish_run, args=(first, RunStatus.COMPLETED))
    finisher.start()
    try:
        second = store.start_run(
            inputs=[], options={}, waiting=Waiting(seconds=30, poll_interval=0.05)
        )
    finally:
        finisher.join()
    assert status_of(store, first) is RunStatus.COMPLETED
    assert status_of(store, second) is RunStatus.RUNNING


def test_waiting_gives_up_after_the_time_allowed(store: Store) -> None:
    store.start_run(inputs=[], options={})
    clock = [0.0]
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        clock[0] += seconds

    waiting = Waiting(seconds=5, poll_interval=2, clock=lambda: clock[0], sleep=sleep)
    with pytest.raises(DatabaseBusy):
        store.start_run(inputs=[], options={}, waiting=waiting)
    assert naps == [2, 2, 1]


def test_the_writer_keeps_the_heartbeat_while_no_results_arrive(store: Store, db_url: str) -> None:
    run = store.start_run(inputs=[], options={})
    execute(db_url, "UPDATE runs SET heartbeat_at = '2020-01-01 00:00:00' WHERE id = :id", id=run)
    with store.writer(run, heartbeat_interval=0.02):
        deadline = time.monotonic() + 10
        while raw_heartbeat(db_url, run).startswith("2020"):
            assert time.monotonic() < deadline, "no heartbeat from an idle writer"
            time.sleep(0.01)


def raw_heartbeat(db_url: str, run: int) -> str:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT heartbeat_at FROM runs WHERE id = :id")
            return str(connection.execute(query, {"id": run}).scalar_one())
    finally:
        engine.dispose()


def test_a_reused_pid_with_a_long_silent_heartbeat_does_not_hold_the_lock(store: Store) -> None:
    first = store.start_run(inputs=["a"], options={})
    database = store.url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:  # pid 1 always exists; heartbeat a day old
        connection.execute(
            "update runs set pid = 1, heartbeat_at = '2020-01-01 00:00:00' where id = ?", (first,)
        )
    second = store.start_run(inputs=["a"], options={})
    assert second != first
