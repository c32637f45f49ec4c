"""The single writer that stores check results in batches.

The checker calls :meth:`ResultWriter.add` from its event loop (or any
thread): that only puts the result on a queue.  One worker thread takes
results off the queue and commits them in batches — a batch is written when
it holds ``batch_size`` results or its oldest result has waited
``flush_interval`` seconds — with one executemany per table: on SQLite
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
import queue
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
    func,
    insert,
    or_,
    select,
    update,
)

from linkcheck.errors import DatabaseError
from linkcheck.states import DeathPolicy
from linkcheck.store.convert import (
    CHECK_ROW_COLUMNS,
    HOP_ROW_COLUMNS,
    check_row,
    hop_rows,
    now_utc,
)
from linkcheck.store.db import describe, translated_errors, write_connection
from linkcheck.store.links import link_histories
from linkcheck.store.linkstate import LinkAdvance, advance_batch
from linkcheck.store.rows import Rows
from linkcheck.store.schema import checks, hops, links, runs
from linkcheck.types import CheckResult

#: Results waiting in the queue before ``add()`` blocks: backpressure, bounded memory.
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


_Item = CheckResult | _Stop | _Flush


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
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=batch_size * QUEUE_BATCHES)
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
        self._queue.put(result)

    def flush(self) -> None:
        """Wait until every result added so far is committed."""
        if not self._closed:
            request = _Flush()
            self._queue.put(request)
            request.done.wait()
        self._raise_pending()

    def close(self) -> None:
        """Write everything still queued, stop the worker, and raise any worker failure."""
        if not self._closed:
            self._closed = True
            self._queue.put(_Stop())
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
        batch: list[CheckResult] = []
        flush_at = math.inf
        beat_at = time.monotonic() + self._heartbeat_interval
        while True:
            timeout = max(0.0, min(flush_at, beat_at) - time.monotonic())
            try:
                item: _Item | None = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None  # a batch has waited long enough, or a heartbeat is due
            if isinstance(item, CheckResult):
                batch.append(item)
                if len(batch) == 1:
                    flush_at = time.monotonic() + self._flush_interval
                if len(batch) < self._batch_size:
                    continue
            if batch:
                self._guarded(self._commit, batch)  # the batch refreshes the heartbeat too
            elif item is None:
                self._guarded(self._beat)
            batch = []
            flush_at = math.inf
            beat_at = time.monotonic() + self._heartbeat_interval
            if isinstance(item, _Flush):
                item.done.set()
            elif isinstance(item, _Stop):
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
        with write_connection(self._engine) as connection:
            store_results(connection, self._run_id, batch, policy=self._policy)
        self._written += len(batch)

    def _beat(self) -> None:
        with write_connection(self._engine) as connection:
            beat(connection, self._run_id)


def _with_recheck(policy: DeathPolicy, recheck_good: timedelta) -> DeathPolicy:
    return replace(policy, recheck_alive=recheck_good)


def beat(connection: Connection, run_id: int) -> None:
    """Record that run ``run_id`` is alive now."""
    connection.execute(update(runs).where(runs.c.id == run_id).values(heartbeat_at=now_utc()))


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
    if through_driver is None:
        through_driver = connection.dialect.name == "sqlite"
    tables = _RowWriter(connection, through_driver)
    stored = link_histories(connection, [result.url for result in batch], now=now_utc())
    advanced = advance_batch(batch, stored, policy)
    checked_at = list(map(tables.moment, advanced.moments))
    check_rows = [
        check_row(run_id, stored[result.url].id, result, at, transition)
        for result, at, transition in zip(batch, checked_at, advanced.transitions, strict=True)
    ]
    check_ids = tables.insert_checks(check_rows)
    tables.insert(
        hops,
        HOP_ROW_COLUMNS,
        [
            row
            for check_id, result in zip(check_ids, batch, strict=True)
            if result.hops
            for row in hop_rows(check_id, result.hops)
        ],
    )
    tables.update_links(advanced.links, check_ids, checked_at)
    beat(connection, run_id)


class _RowWriter(Rows):
    """The result writer's rows: checks with their ids, hops, link updates."""

    def insert_checks(self, rows: list[tuple[Any, ...]]) -> list[int]:
        """Insert ``checks`` rows (:data:`CHECK_ROW_COLUMNS`), returning their ids in order."""
        connection = self.connection
        if connection.dialect.name == "sqlite":
            # SQLite would need one statement per row to return ids in order.  The
            # write transaction (BEGIN IMMEDIATE) holds the database's only write
            # lock, so we can hand out the next ids ourselves.
            last = connection.execute(select(func.max(checks.c.id))).scalar_one_or_none() or 0
            ids = list(range(last + 1, last + 1 + len(rows)))
            with_ids = [(id_, *row) for id_, row in zip(ids, rows, strict=True)]
            self.insert(checks, ("id", *CHECK_ROW_COLUMNS), with_ids)
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
        moment = self.moment
        latest: list[tuple[Any, ...]] = []
        with_history: list[tuple[Any, ...]] = []
        for link in advanced:
            position = link.position
            values = (checked_at[position], link.verdict, check_ids[position])
            due = moment(link.due)
            history = link.history
            if history is None:
                latest.append((*values, due, link.link_id))
                continue
            failed, dead = history.first_failed_at, history.confirmed_dead_at
            with_history.append(
                (
                    *values,
                    due,
                    history.state.value if history.state is not None else None,
                    history.fail_count,
                    moment(failed) if failed is not None else None,
                    moment(dead) if dead is not None else None,
                    link.link_id,
                )
            )
        self._update(_UPDATE_LATEST, latest)
        self._update(_UPDATE_HISTORY, with_history)

    def _update(self, update_: _LinkUpdate, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.through_driver:
            self.connection.exec_driver_sql(update_.sql, rows)
        else:
            names = update_.names
            values = [dict(zip(names, row, strict=True)) for row in rows]
            self.connection.execute(update_.statement, values)


class _LinkUpdate(NamedTuple):
    """One UPDATE of ``links`` that sets some columns from a row of their values, then the id.

    The same statement twice: plain SQL with numbered parameters for the
    driver, and Core (parameters named ``new_<column>``) for other databases.
    """

    names: tuple[str, ...]
    sql: str
    statement: Update


def _link_update(columns: tuple[str, ...]) -> _LinkUpdate:
    # Belt and braces: the histories were read in this same write transaction,
    # but a link's latest check must never be replaced by an older one.  The
    # guard compares with the first value, the new ``last_checked_at``.
    assert columns[0] == "last_checked_at"
    sets = ", ".join(f"{column} = ?{number}" for number, column in enumerate(columns, 1))
    sql = (
        f"UPDATE links SET {sets} WHERE id = ?{len(columns) + 1}"
        " AND (last_checked_at IS NULL OR last_checked_at <= ?1)"
    )
    names = tuple(f"new_{column}" for column in (*columns, "link_id"))
    checked_at: BindParameter[datetime] = bindparam("new_last_checked_at")
    statement = (
        update(links)
        .values({column: bindparam(f"new_{column}") for column in columns})
        .where(links.c.id == bindparam("new_link_id"))
        .where(or_(links.c.last_checked_at.is_(None), links.c.last_checked_at <= checked_at))
    )
    return _LinkUpdate(names, sql, statement)


_LATEST_COLUMNS = ("last_checked_at", "last_verdict", "last_check_id", "next_check_at")
#: A link's newest check.
_UPDATE_LATEST = _link_update(_LATEST_COLUMNS)
#: Only a check that changed the link's history also writes the history columns:
#: most nights most links stay alive, and their update is then half as wide.
_UPDATE_HISTORY = _link_update(
    (*_LATEST_COLUMNS, "state", "fail_count", "first_failed_at", "confirmed_dead_at")
)
