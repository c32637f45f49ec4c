"""The single writer that stores check results in batches.

The checker calls :meth:`ResultWriter.add` from its event loop (or any
thread): that only appends the result to an inbox, waking the worker once per
batch, not per result.  One worker thread takes results from the inbox and
commits them in batches — a batch is written when it holds ``batch_size``
results or its oldest result has waited ``flush_interval`` seconds — with one
executemany per table: on SQLite
straight through the driver with values already in stored form, elsewhere
through Core statements.  A failure in the worker is kept and
raised on the caller's next ``add()`` or ``close()``.

In the same transaction as its checks, each link's state advances
(:mod:`linkcheck.store.linkstate`), its next due time is set, and every check
row records the state before and after it.  The worker also refreshes the
run's ``heartbeat_at`` at least every ``heartbeat_interval`` seconds, results
or not, so another process can tell this run is alive while slow links hang.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    Connection,
    Engine,
    Update,
    bindparam,
    insert,
    null,
    or_,
    update,
)

from linkcheck.errors import DatabaseError
from linkcheck.escapes import escape_surrogates
from linkcheck.states import DeathPolicy
from linkcheck.store.convert import (
    CHECK_NULL_TEXT,
    CHECK_ROW_COLUMNS,
    HOP_NULL_TEXT,
    HOP_ROW_COLUMNS,
    STORED_VALUES,
    check_rows,
    hop_rows,
    now_utc,
)
from linkcheck.store.db import describe, translated_errors, write_connection
from linkcheck.store.links import link_histories
from linkcheck.store.linkstate import LinkAdvance, advance_batch
from linkcheck.store.rows import Rows
from linkcheck.store.schema import checks, hops, links, runs
from linkcheck.types import CheckResult

#: Batches waiting for the worker before ``add()`` blocks: backpressure, bounded memory.
QUEUE_BATCHES = 50
#: Seconds between heartbeats of an idle writer; well inside what counts as alive.
HEARTBEAT_INTERVAL = 30.0
DEFAULT_POLICY = DeathPolicy()


@dataclass(frozen=True, slots=True)
class _Stop:
    """Tells the worker to write what it has and end."""


@dataclass(frozen=True, slots=True)
class _Flush:
    """Asks the worker to write what it has and signal ``done``."""

    done: threading.Event = field(default_factory=threading.Event)


_Request = _Stop | _Flush


class _Taken(NamedTuple):
    """What the worker takes from the inbox in one go."""

    results: list[CheckResult]
    #: requests whose results are all in ``results`` or already written
    requests: list[_Request]
    #: nothing to write, but the heartbeat is due
    beat: bool


class _Inbox:
    """Where ``add()`` leaves results for the worker.

    The worker is woken once per batch (by its first result, to start the
    flush clock, and when it is full), not once per result as with a
    ``queue.Queue``: each wake-up made the worker take the GIL from the
    event loop that called ``add()``.
    """

    def __init__(self, batch_size: int, capacity: int) -> None:
        self._batch_size = batch_size
        self._capacity = capacity
        lock = threading.Lock()
        self._arrived = threading.Condition(lock)  # the worker waits here
        self._room = threading.Condition(lock)  # callers wait here while it is full
        self._results: list[CheckResult] = []
        self._requests: list[_Request] = []
        #: when the oldest waiting result arrived (``time.monotonic()``)
        self._first_at = math.inf

    def put(self, result: CheckResult) -> None:
        with self._room:
            while len(self._results) >= self._capacity:
                self._room.wait()
            self._results.append(result)
            waiting = len(self._results)
            if waiting == 1:
                self._first_at = time.monotonic()
                self._arrived.notify()
            elif waiting == self._batch_size:
                self._arrived.notify()

    def request(self, request: _Request) -> None:
        with self._arrived:
            self._requests.append(request)
            self._arrived.notify()

    def take(self, flush_interval: float, beat_at: float) -> _Taken:
        """Wait for a full batch, a batch that has waited ``flush_interval``, a request,
        or ``beat_at``; a request comes back only with (or after) every result before it."""
        with self._arrived:
            while True:
                now = time.monotonic()
                results = self._results
                due = min(self._first_at + flush_interval, beat_at) if results else beat_at
                if self._requests or len(results) >= self._batch_size or now >= due:
                    break
                self._arrived.wait(due - now)
            taken = results[: self._batch_size]
            del results[: self._batch_size]
            self._first_at = now if results else math.inf
            requests: list[_Request] = []
            if not results:
                requests, self._requests = self._requests, []
            if taken:
                self._room.notify_all()
            return _Taken(taken, requests, beat=not taken and not requests)


class ResultWriter:
    """Stores :class:`CheckResult` values for one run; use as a context manager."""

    def __init__(
        self,
        engine: Engine,
        run_id: int,
        *,
        policy: DeathPolicy = DEFAULT_POLICY,
        recheck_good: timedelta | None = None,
        batch_size: int = 500,
        flush_interval: float = 1.0,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
    ) -> None:
        if batch_size < 1 or flush_interval <= 0 or heartbeat_interval <= 0:
            raise ValueError("batch_size must be >= 1; flush and heartbeat intervals > 0")
        self._engine = engine
        self._run_id = run_id
        self._policy = policy if recheck_good is None else _with_recheck(policy, recheck_good)
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._heartbeat_interval = heartbeat_interval
        self._inbox = _Inbox(batch_size, capacity=batch_size * QUEUE_BATCHES)
        self._error: DatabaseError | None = None
        self._error_raised = False
        self._closed = False
        self._written = 0
        self._thread = threading.Thread(
            target=self._work, name=f"linkcheck-writer-run-{run_id}", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ caller side

    @property
    def written(self) -> int:
        """How many results have been committed so far."""
        return self._written

    def add(self, result: CheckResult) -> None:
        """Queue one result for writing (cheap; safe from any thread)."""
        if self._closed:
            raise RuntimeError("ResultWriter.add() after close()")
        self._raise_pending()
        self._inbox.put(result)

    def flush(self) -> None:
        """Wait until every result added so far is committed."""
        if not self._closed:
            request = _Flush()
            self._inbox.request(request)
            request.done.wait()
        self._raise_pending()

    def close(self) -> None:
        """Write everything still queued, stop the worker, and raise any worker failure."""
        if not self._closed:
            self._closed = True
            self._inbox.request(_Stop())
            self._thread.join()
        if self._error is not None and not self._error_raised:
            self._raise_pending()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # The body failed: still keep what was checked, but let the body's error win.
        with contextlib.suppress(DatabaseError):
            self.close()

    def _raise_pending(self) -> None:
        if self._error is not None:
            self._error_raised = True
            raise self._error

    # ------------------------------------------------------------------ worker side

    def _work(self) -> None:
        beat_at = time.monotonic() + self._heartbeat_interval
        while True:
            taken = self._inbox.take(self._flush_interval, beat_at)
            if taken.results:
                self._guarded(self._commit, taken.results)  # the batch refreshes the heartbeat
            elif taken.beat:
                self._guarded(self._beat)
            if taken.results or taken.beat:
                beat_at = time.monotonic() + self._heartbeat_interval
            for request in taken.requests:
                if isinstance(request, _Flush):
                    request.done.set()
            if any(isinstance(request, _Stop) for request in taken.requests):
                return

    def _guarded(self, action: Callable[..., None], *args: Any) -> None:
        """Run one database action, keeping (not raising) its failure for the caller."""
        if self._error is not None:
            return  # after a failure, results are dropped: the caller learns of it
        try:
            with translated_errors(self._engine.url):
                action(*args)
        except DatabaseError as error:
            self._error = error
        except Exception as error:  # any failure must reach the caller
            self._error = DatabaseError(
                f"writing check results to {describe(self._engine.url)} failed: {error!r}"
            )
            self._error.__cause__ = error

    def _commit(self, batch: Sequence[CheckResult]) -> None:
        try:
            self._store(batch)
        except UnicodeEncodeError:
            # A value holds bytes that are no text (a header a server sent, kept by
            # Python as lone surrogates): store it escaped rather than stop the run.
            # Rare, so the common batch pays nothing for it.
            self._store([storable(result) for result in batch])
        self._written += len(batch)

    def _store(self, batch: Sequence[CheckResult]) -> None:
        with write_connection(self._engine) as connection:
            store_results(connection, self._run_id, batch, policy=self._policy)

    def _beat(self) -> None:
        with write_connection(self._engine) as connection:
            beat(connection, self._run_id)


def storable(result: CheckResult) -> CheckResult:
    """``result`` with every text it got from a server escaped where it is no text."""

    def text(value: str | None) -> str | None:
        return None if value is None else escape_surrogates(value)

    chain = tuple(
        replace(hop, url=escape_surrogates(hop.url), location=text(hop.location))
        for hop in result.hops
    )
    return replace(
        result,
        final_url=text(result.final_url),
        hops=chain,
        error=text(result.error),
        title=text(result.title),
    )


def _with_recheck(policy: DeathPolicy, recheck_good: timedelta) -> DeathPolicy:
    return replace(policy, recheck_alive=recheck_good)


def beat(connection: Connection, run_id: int) -> None:
    """Record that run ``run_id`` is alive now."""
    connection.execute(_BEAT, {"run_id": run_id, "now": now_utc()})


_BEAT = update(runs).where(runs.c.id == bindparam("run_id")).values(heartbeat_at=bindparam("now"))


def store_results(
    connection: Connection,
    run_id: int,
    batch: Sequence[CheckResult],
    *,
    policy: DeathPolicy = DEFAULT_POLICY,
    through_driver: bool | None = None,
) -> None:
    """Insert the checks and hops of ``batch`` and advance each link's state.

    On SQLite (``through_driver``, the default there) the rows go to the
    driver's own ``executemany`` with their values already in stored form:
    SQLAlchemy's processing of every parameter of every row cost more than
    SQLite's own work.  Other databases get the same rows through Core.
    """
    tables = _RowWriter(connection, through_driver)
    now = now_utc()
    stored = link_histories(connection, [result.url for result in batch], now=now, rows=tables)
    advanced = advance_batch(batch, stored, policy)
    checked_at = tables.aware_moments(advanced.moments)
    link_ids = [stored[result.url][0] for result in batch]
    null = tables.null_text
    check_ids = tables.insert_checks(
        check_rows(run_id, link_ids, batch, checked_at, advanced.transitions, null=null)
    )
    tables.insert(
        hops, HOP_ROW_COLUMNS, hop_rows(check_ids, batch, null=null), null_text=HOP_NULL_TEXT
    )
    tables.update_links(advanced.links, check_ids, checked_at)
    tables.beat(run_id, now)


class _RowWriter(Rows):
    """The result writer's rows: checks with their ids, hops, link updates."""

    def insert_checks(self, rows: list[tuple[Any, ...]]) -> list[int]:
        """Insert ``checks`` rows (:data:`CHECK_ROW_COLUMNS`), returning their ids in order."""
        connection = self.connection
        if connection.dialect.name == "sqlite":
            # SQLite would need one statement per row to return ids in order.
            first = self.next_id(checks)
            ids = list(range(first, first + len(rows)))
            with_ids = [(id_, *row) for id_, row in zip(ids, rows, strict=True)]
            self.insert(checks, ("id", *CHECK_ROW_COLUMNS), with_ids, null_text=CHECK_NULL_TEXT)
            return ids
        values = [dict(zip(CHECK_ROW_COLUMNS, row, strict=True)) for row in rows]
        if connection.dialect.insert_executemany_returning_sort_by_parameter_order:
            statement = insert(checks).returning(checks.c.id, sort_by_parameter_order=True)
            return list(connection.execute(statement, values).scalars())
        ids = []  # a dialect without ordered RETURNING: one statement per row
        for row in values:
            key = connection.execute(insert(checks).values(row)).inserted_primary_key
            ids.append(int(key[0]) if key is not None else 0)
        return ids

    def update_links(
        self,
        advanced: Sequence[LinkAdvance],
        check_ids: Sequence[int],
        checked_at: Sequence[object],
    ) -> None:
        """Point each advanced link at its latest check; write its history where it changed.

        ``check_ids`` and ``checked_at`` (bound form) are those of the batch's results.
        """
        moment = self.aware_moment
        seen: list[tuple[Any, ...]] = []
        latest: list[tuple[Any, ...]] = []
        settled: list[tuple[Any, ...]] = []
        failing: list[tuple[Any, ...]] = []
        for link_id, position, verdict, same_verdict, due, history in advanced:
            if history is None:
                if same_verdict:
                    seen.append((checked_at[position], check_ids[position], moment(due), link_id))
                else:
                    latest.append(
                        (checked_at[position], verdict, check_ids[position], moment(due), link_id)
                    )
                continue
            failed, dead = history.first_failed_at, history.confirmed_dead_at
            values = (
                checked_at[position],
                verdict,
                check_ids[position],
                moment(due),
                STORED_VALUES[history.state],
                history.fail_count,
            )
            if failed is None and dead is None:
                settled.append((*values, link_id))
            else:
                failing.append(
                    (
                        *values,
                        moment(failed) if failed is not None else None,
                        moment(dead) if dead is not None else None,
                        link_id,
                    )
                )
        self._update(_UPDATE_SEEN, seen)
        self._update(_UPDATE_LATEST, latest)
        self._update(_UPDATE_SETTLED, settled)
        self._update(_UPDATE_HISTORY, failing)

    def _update(self, update_: _LinkUpdate, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.through_driver:
            self.connection.exec_driver_sql(update_.sql, rows)
        else:
            names = update_.names
            values = [dict(zip(names, row, strict=True)) for row in rows]
            self.connection.execute(update_.statement, values)

    def beat(self, run_id: int, now: datetime) -> None:
        if self.through_driver:
            self.connection.exec_driver_sql(_BEAT_SQL, (self.aware_moment(now), run_id))
        else:
            beat(self.connection, run_id)


_BEAT_SQL = "UPDATE runs SET heartbeat_at = ? WHERE id = ?"


class _LinkUpdate(NamedTuple):
    """One UPDATE of ``links`` that sets some columns from a row of their values, then the id.

    The same statement twice: plain SQL with numbered parameters for the
    driver, and Core (parameters named ``new_<column>``) for other databases.
    """

    names: tuple[str, ...]
    sql: str
    statement: Update


def _link_update(columns: tuple[str, ...], nulls: tuple[str, ...] = ()) -> _LinkUpdate:
    """The update that sets ``columns`` from each row's values and ``nulls`` to NULL.

    Written into the statement, a NULL costs the driver nothing; bound as
    ``None`` each costs it a failed adaptation look-up (about as much as SQLite's
    own work for the value).
    """
    # Belt and braces: the histories were read in this same write transaction,
    # but a link's latest check must never be replaced by an older one.  The
    # guard compares with the first value, the new ``last_checked_at``.
    assert columns[0] == "last_checked_at"
    sets = ", ".join(
        [f"{column} = ?{number}" for number, column in enumerate(columns, 1)]
        + [f"{column} = NULL" for column in nulls]
    )
    sql = (
        f"UPDATE links SET {sets} WHERE id = ?{len(columns) + 1}"
        " AND (last_checked_at IS NULL OR last_checked_at <= ?1)"
    )
    names = tuple(f"new_{column}" for column in (*columns, "link_id"))
    checked_at: BindParameter[datetime] = bindparam("new_last_checked_at")
    statement = (
        update(links)
        .values({column: bindparam(f"new_{column}") for column in columns})
        .values({column: null() for column in nulls})
        .where(links.c.id == bindparam("new_link_id"))
        .where(or_(links.c.last_checked_at.is_(None), links.c.last_checked_at <= checked_at))
    )
    return _LinkUpdate(names, sql, statement)


_LATEST_COLUMNS = ("last_checked_at", "last_verdict", "last_check_id", "next_check_at")
_STATE_COLUMNS = (*_LATEST_COLUMNS, "state", "fail_count")
_FAILURE_DATES = ("first_failed_at", "confirmed_dead_at")
#: A link's newest check.
_UPDATE_LATEST = _link_update(_LATEST_COLUMNS)
#: A link's newest check, with the verdict its row holds already (most links, most nights).
_UPDATE_SEEN = _link_update(("last_checked_at", "last_check_id", "next_check_at"))
#: Only a check that changed the link's history also writes the history columns:
#: most nights most links stay alive, and their update is then half as wide.
_UPDATE_HISTORY = _link_update((*_STATE_COLUMNS, *_FAILURE_DATES))
#: A history without failure dates (alive, recovered: every new link's first night).
_UPDATE_SETTLED = _link_update(_STATE_COLUMNS, nulls=_FAILURE_DATES)
