"""The single writer that stores check results in batches.

The checker calls :meth:`ResultWriter.add` from its event loop (or any
thread): that only puts the result on a queue.  One worker thread takes
results off the queue and commits them in batches — a batch is written when
it holds ``batch_size`` results or its oldest result has waited
``flush_interval`` seconds — with Core executemany statements, which cost a
fraction of one ORM object per row.  A failure in the worker is kept and
raised on the caller's next ``add()`` or ``close()``.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from linkcheck.errors import DatabaseError
from linkcheck.store.convert import check_row_values, hop_row_values, now_utc, utc
from linkcheck.store.db import WRITE_OPTION, describe, translated_errors
from linkcheck.store.links import link_ids
from linkcheck.store.schema import checks, hops, links, runs
from linkcheck.types import CheckResult

#: Results waiting in the queue before ``add()`` blocks: backpressure, bounded memory.
QUEUE_BATCHES = 50


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
        self, engine: Engine, run_id: int, *, batch_size: int = 500, flush_interval: float = 1.0
    ) -> None:
        if batch_size < 1 or flush_interval <= 0:
            raise ValueError("batch_size must be >= 1 and flush_interval > 0")
        self._engine = engine
        self._run_id = run_id
        self._batch_size = batch_size
        self._flush_interval = flush_interval
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
        deadline = 0.0
        while True:
            timeout = max(0.0, deadline - time.monotonic()) if batch else None
            try:
                item: _Item | None = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None  # the oldest queued result has waited long enough
            if isinstance(item, CheckResult):
                batch.append(item)
                if len(batch) == 1:
                    deadline = time.monotonic() + self._flush_interval
                if len(batch) < self._batch_size:
                    continue
            self._write(batch)
            batch = []
            if isinstance(item, _Flush):
                item.done.set()
            elif isinstance(item, _Stop):
                return

    def _write(self, batch: Sequence[CheckResult]) -> None:
        if not batch or self._error is not None:
            return  # after a failure, results are dropped: the caller learns of it
        try:
            with translated_errors(self._engine.url):
                self._commit(batch)
            self._written += len(batch)
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
            store_results(connection, self._run_id, batch)


def store_results(connection: Connection, run_id: int, batch: Sequence[CheckResult]) -> None:
    """Insert the checks and hops of ``batch`` and update each link's latest verdict."""
    now = now_utc()
    ids = link_ids(connection, [result.url for result in batch], now=now)
    check_rows = [
        check_row_values(result, run_id=run_id, link_id=ids[result.url]) for result in batch
    ]
    check_ids = _insert_checks(connection, check_rows)
    hop_rows = [
        row
        for check_id, result in zip(check_ids, batch, strict=True)
        for row in hop_row_values(check_id, result.hops)
    ]
    if hop_rows:
        connection.execute(insert(hops), hop_rows)
    _update_links(connection, batch, ids, check_ids)
    connection.execute(update(runs).where(runs.c.id == run_id).values(heartbeat_at=now))


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


def _update_links(
    connection: Connection,
    batch: Sequence[CheckResult],
    ids: dict[str, int],
    check_ids: Sequence[int],
) -> None:
    # Guarded by checked_at so an older result (a resumed run, a late batch)
    # never overwrites a newer verdict.
    statement = (
        update(links)
        .where(links.c.id == bindparam("link"))
        .where(or_(links.c.last_checked_at.is_(None), links.c.last_checked_at <= bindparam("at")))
        .values(
            last_checked_at=bindparam("at"),
            last_verdict=bindparam("verdict"),
            last_check_id=bindparam("check"),
        )
    )
    rows = [
        {
            "link": ids[result.url],
            "at": utc(result.checked_at),
            "verdict": result.verdict.value,
            "check": check_id,
        }
        for result, check_id in zip(batch, check_ids, strict=True)
    ]
    connection.execute(statement, rows)
