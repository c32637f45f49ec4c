"""The batch writer keeps every result, in order, and never loses what it was given."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from linkcheck.errors import DatabaseError
from linkcheck.states import DeathPolicy
from linkcheck.store import Store
from linkcheck.store.db import open_engine, write_connection
from linkcheck.store.writer import store_results
from linkcheck.types import CheckResult, ErrorKind, Hop, LinkState, RunStatus, Verdict
from tests.store.store_factories import citation, document, dump_tables, result

A = "https://example.org/a"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_every_result_is_written_in_batches_and_flushed_on_close(store: Store, db_url: str) -> None:
    urls = [f"https://host{i % 5}.example/{i}" for i in range(23)]
    run = store.start_run(inputs=["x"], options={})
    # A long flush interval: only full batches and close() can write.
    with store.writer(run, batch_size=10, flush_interval=3600) as writer:
        for url in urls:
            writer.add(result(url))
        writer.flush()
        assert writer.written == 23
    assert len(dump_tables(db_url)["checks"]) == 23
    summary = store.run_summary(run)
    assert summary is not None
    assert summary.total == 23
    assert summary.counts == {Verdict.ALIVE: 23}


def test_close_writes_a_partial_batch(store: Store, db_url: str) -> None:
    run = store.start_run(inputs=[], options={})
    writer = store.writer(run, batch_size=1000, flush_interval=3600)
    writer.add(result(A))
    writer.add(result("https://example.org/b"))
    writer.close()
    assert writer.written == 2
    assert len(dump_tables(db_url)["checks"]) == 2


def test_a_partial_batch_is_committed_once_it_has_waited_the_flush_interval(
    store: Store, db_url: str
) -> None:
    run = store.start_run(inputs=[], options={})
    with store.writer(run, batch_size=1000, flush_interval=0.05) as writer:
        for url in (A, "https://example.org/b", "https://example.org/c"):
            writer.add(result(url))
        for _ in range(500):  # bounded: up to 5 s on a very busy machine
            if writer.written == 3:
                break
            time.sleep(0.01)
        assert writer.written == 3  # neither full nor flushed nor closed
        assert len(dump_tables(db_url)["checks"]) == 3


def test_hops_are_stored_in_order(store: Store) -> None:
    chain = (
        Hop("http://example.org/a", 301, "https://example.org/a"),
        Hop("https://example.org/a", 302, "https://example.org/login"),
        Hop("https://example.org/login", 307, "https://example.org/a?x=1"),
        Hop("https://example.org/a?x=1", 200),
    )
    run = store.start_run(inputs=[], options={})
    with store.writer(run) as writer:
        writer.add(result(A, Verdict.MOVED, hops=chain))
    (check,) = store.history(A)
    assert check.hops == chain
    assert check.verdict is Verdict.MOVED


def test_a_result_for_an_unknown_url_creates_its_link(store: Store) -> None:
    run = store.start_run(inputs=[], options={})
    with store.writer(run) as writer:
        writer.add(result("https://not-scanned.example/", Verdict.DEAD, status_code=404))
    (row,) = store.link_rows(run_id=run)
    assert row.url == "https://not-scanned.example/"
    assert row.citations == ()
    assert row.result is not None
    assert row.result.verdict is Verdict.DEAD


def test_history_returns_every_check_oldest_first(store: Store) -> None:
    verdicts = [Verdict.ALIVE, Verdict.ERROR, Verdict.DEAD, Verdict.ALIVE]
    for night, verdict in enumerate(verdicts):
        run = store.start_run(inputs=[], options={})
        with store.writer(run) as writer:
            writer.add(result(A, verdict, at=T0 + timedelta(days=night)))
        store.finish_run(run, RunStatus.COMPLETED)
    checks = store.history(A)
    assert [check.verdict for check in checks] == verdicts
    assert [check.checked_at for check in checks] == [T0 + timedelta(days=n) for n in range(4)]
    assert all(check.checked_at.tzinfo is not None for check in checks)


def test_results_added_from_many_threads_are_all_kept(store: Store, db_url: str) -> None:
    run = store.start_run(inputs=[], options={})
    with store.writer(run, batch_size=7) as writer:

        def add_some(thread: int) -> None:
            for i in range(50):
                writer.add(result(f"https://t{thread}.example/{i}"))

        threads = [threading.Thread(target=add_some, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(dump_tables(db_url)["checks"]) == 200
    assert len(dump_tables(db_url)["links"]) == 200


def test_an_exception_in_the_body_still_flushes_what_was_added(store: Store) -> None:
    run = store.start_run(inputs=[], options={})
    with (
        pytest.raises(KeyboardInterrupt),
        store.writer(run, batch_size=100, flush_interval=3600) as writer,
    ):
        writer.add(result(A))
        writer.add(result("https://example.org/b"))
        raise KeyboardInterrupt
    assert len(store.history(A)) == 1
    assert len(store.history("https://example.org/b")) == 1


def test_a_failing_database_is_reported_on_the_next_add_or_close(store: Store, db_url: str) -> None:
    run = store.start_run(inputs=[], options={})
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:  # sabotage: the writer's insert will fail
            connection.execute(text("DROP TABLE hops"))
    finally:
        engine.dispose()
    writer = store.writer(run, batch_size=1)
    writer.add(result(A, hops=(Hop(A, 200),)))
    with pytest.raises(DatabaseError, match="hops"):
        writer.flush()
    with pytest.raises(DatabaseError):
        writer.add(result(A))
    writer.close()  # already reported: close does not raise it again


def test_the_link_keeps_its_latest_verdict(store: Store, db_url: str) -> None:
    store.sync_documents([document("d.txt", citation("d.txt", A, 1))])
    run = store.start_run(inputs=[], options={})
    with store.writer(run, batch_size=10) as writer:
        writer.add(result(A, Verdict.DEAD, at=T0 + timedelta(hours=1)))
        writer.add(result(A, Verdict.ALIVE, at=T0))  # arrives late but is older
    (link,) = dump_tables(db_url)["links"]
    assert link[4] == Verdict.DEAD.value  # last_verdict
    assert store.last_alive_at(A) == T0


def test_a_failure_not_yet_reported_is_raised_by_close(store: Store, db_url: str) -> None:
    run = store.start_run(inputs=[], options={})
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE hops"))
    finally:
        engine.dispose()
    writer = store.writer(run)
    writer.add(result(A, hops=(Hop(A, 200),)))
    with pytest.raises(DatabaseError, match="hops"):
        writer.close()


def _nights_of_mixed_results() -> list[list[CheckResult]]:
    """Batches that exercise every column the writer sets, over three nights."""
    b, c, d = "https://example.org/b", "https://example.org/c", "https://new.example/d"
    e = "https://example.org/e"  # failing, then recovered (its failure dates cleared), then alive
    chain = (Hop(b, 301, "https://example.org/b2"), Hop("https://example.org/b2", 200))
    plus_two = timezone(timedelta(hours=2))
    nights = []
    for night in range(3):
        at = T0 + timedelta(days=night * 4)
        gone = CheckResult(
            A, Verdict.DEAD, at, 404, A, (Hop(A, 404),), ErrorKind.HTTP_STATUS, "Not Found"
        )
        nights.append(
            [
                gone,
                result(b, Verdict.MOVED, at=at.astimezone(plus_two), hops=chain),  # not UTC
                CheckResult(  # naive time; an error text "0" must not read as the NULL stand-in
                    c,
                    Verdict.ERROR,
                    at.replace(tzinfo=None) + timedelta(microseconds=7),
                    error_kind=ErrorKind.TIMEOUT,
                    error="0",
                ),
                result(c, Verdict.ALIVE, at=at - timedelta(hours=1)),  # older: history only
                result(d, Verdict.DEAD if night else Verdict.ALIVE, at=at, status_code=None),
                result(e, Verdict.ALIVE if night else Verdict.SOFT_404, at=at),
            ]
        )
    return nights


def _written_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """What the writer wrote (no column that holds the time a row was created)."""
    tables = dump_tables(url)
    return {
        "checks": [row[:1] + row[2:] for row in tables["checks"]],  # not run_id
        "hops": tables["hops"],
        "links": [row[:2] + row[3:] for row in tables["links"]],  # not first_seen_at
    }


def test_rows_written_through_the_driver_are_exactly_those_core_writes(tmp_path: Path) -> None:
    written = []
    for through_driver in (True, False):
        url = f"sqlite:///{tmp_path / f'driver-{through_driver}.db'}"
        with Store.open(url) as store:
            store.sync_documents([document("d.txt", citation("d.txt", A, 1))])
            for batch in _nights_of_mixed_results():
                run = store.start_run(inputs=[], options={})
                engine = open_engine(url)
                try:
                    with write_connection(engine) as connection:
                        store_results(
                            connection,
                            run,
                            batch,
                            policy=DeathPolicy(confirm_checks=2, confirm_days=3),
                            through_driver=through_driver,
                        )
                finally:
                    engine.dispose()
                store.finish_run(run, RunStatus.COMPLETED)
            dead = [row for row in store.link_rows() if row.state is LinkState.DEAD]
            assert [row.url for row in dead] == [A, "https://new.example/d"]
        written.append(_written_rows(url))
    assert written[0] == written[1]
    assert len(written[0]["checks"]) == 18
    (recovered,) = [row for row in written[0]["links"] if row[1] == "https://example.org/e"]
    # state, fail_count, first_failed_at, confirmed_dead_at: the failure is forgotten
    assert recovered[5:9] == ("alive", 0, None, None)
    # last_verdict: written when it changes, left alone (not lost) when it does not
    verdicts = {row[1]: row[3] for row in written[0]["links"]}
    assert verdicts["https://example.org/b"] == "moved"
    assert verdicts["https://example.org/c"] == "error"


def test_undecodable_bytes_from_a_server_are_stored_escaped_not_fatal(
    store: Store, db_url: str
) -> None:
    """A header with a Latin-1 byte reaches Python as a lone surrogate, which SQLite
    cannot encode: the batch is stored with the byte escaped, and the run goes on."""
    run = store.start_run(inputs=[], options={})
    odd = CheckResult(
        url=A,
        verdict=Verdict.ALIVE,
        checked_at=T0,
        status_code=200,
        final_url="https://example.org/caf%E9",
        hops=(Hop(A, 302, "/caf\udce9"), Hop("https://example.org/caf%E9", 200)),
        title="Caf\udce9",
    )
    with store.writer(run, batch_size=10, flush_interval=3600) as writer:
        writer.add(odd)
        writer.add(result("https://example.org/b"))
    [row] = store.link_history(A)
    assert row.result is not None
    assert row.result.hops[0].location == "/caf\\xe9"
    assert row.result.title == "Caf\\xe9"
    assert len(dump_tables(db_url)["checks"]) == 2  # the rest of the batch too
