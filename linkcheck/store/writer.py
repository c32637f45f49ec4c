"""The single writer that stores check results in batches.

The checker calls :meth:`ResultWriter.add` from its event loop (or any
thread): that only puts the result on a queue.  One worker thread takes
results off the queue and commits them in batches — a batch is written when
it holds ``batch_size`` results or its oldest result has waited
``flush_interval`` seconds — with Core executemany statements, which cost a
fraction of one ORM object per row.  A failure in the worker is kept and
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
from datetime import timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from linkcheck.errors import DatabaseError
from linkcheck.states import DeathPolicy
from linkcheck.store.convert import check_row_values, hop_row_values, now_utc
from linkcheck.store.db import WRITE_OPTION, describe, translated_errors
from linkcheck.store.links import link_histories
from linkcheck.store.linkstate import advance_batch
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
        with Session(self._engine) as session, session.begin():
            connection = session.connection(execution_options={WRITE_OPTION: True})
            store_results(connection, self._run_id, batch, policy=self._policy)
        self._written += len(batch)

    def _beat(self) -> None:
        with Session(self._engine) as session, session.begin():
            connection = session.connection(execution_options={WRITE_OPTION: True})
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
) -> None:
    """Insert the checks and hops of ``batch`` and advance each link's state."""
    stored = link_histories(connection, [result.url for result in batch], now=now_utc())
    transitions, updates = advance_batch(batch, stored, policy)
    check_rows = [
        check_row_values(
            result,
            run_id=run_id,
            link_id=stored[result.url].id,
            state_before=before,
            state_after=after,
        )
        for result, (before, after) in zip(batch, transitions, strict=True)
    ]
    check_ids = _insert_checks(connection, check_rows)
    hop_rows = [
        row
        for check_id, result in zip(check_ids, batch, strict=True)
        if result.hops
        for row in hop_row_values(check_id, result.hops)
    ]
    if hop_rows:
        connection.execute(insert(hops), hop_rows)
    _update_links(connection, updates, check_ids)
    beat(connection, run_id)


def _insert_checks(connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in one executemany, returning their ids in the order given."""
    if connection.dialect.name == "sqlite":
        # SQLite would need one statement per row to return ids in order.  The
        # write transaction (BEGIN IMMEDIATE) holds the database's only write
        # lock, so we can hand out the next ids ourselves.
        last = connection.execute(select(func.max(checks.c.id))).scalar_one_or_none() or 0
        ids = list(range(last + 1, last + 1 + len(rows)))
        connection.execute(
            insert(checks), [{"id": id_, **row} for id_, row in zip(ids, rows, strict=True)]
        )
        return ids
    if connection.dialect.insert_executemany_returning_sort_by_parameter_order:
        statement = insert(checks).returning(checks.c.id, sort_by_parameter_order=True)
        return list(connection.execute(statement, rows).scalars())
    ids = []  # a dialect without ordered RETURNING: one statement per row
    for row in rows:
        key = connection.execute(insert(checks).values(row)).inserted_primary_key
        ids.append(int(key[0]) if key is not None else 0)
    return ids


#: A link's newest check; the history columns are set only by ``_UPDATE_HISTORY``.
_UPDATE_LATEST = (
    update(links)
    .where(links.c.id == bindparam("link"))
    # Belt and braces: the histories were read in this same write transaction.
    .where(or_(links.c.last_checked_at.is_(None), links.c.last_checked_at <= bindparam("at")))
    .values(
        last_checked_at=bindparam("at"),
        last_verdict=bindparam("verdict"),
        last_check_id=bindparam("check"),
        next_check_at=bindparam("due"),
    )
)
_UPDATE_HISTORY = _UPDATE_LATEST.values(
    state=bindparam("new_state"),
    fail_count=bindparam("fails"),
    first_failed_at=bindparam("first_failed"),
    confirmed_dead_at=bindparam("dead_at"),
)


def _update_links(
    connection: Connection, updates: list[dict[str, Any]], check_ids: Sequence[int]
) -> None:
    for values in updates:
        values["check"] = check_ids[values.pop("index")]
    latest_only = [values for values in updates if "new_state" not in values]
    with_history = [values for values in updates if "new_state" in values]
    if latest_only:
        connection.execute(_UPDATE_LATEST, latest_only)
    if with_history:
        connection.execute(_UPDATE_HISTORY, with_history)
