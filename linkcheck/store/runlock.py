"""The run lock: at most one live ``running`` run per database.

A run row says which process runs it (``pid``, ``host``) and when it last
showed signs of life (``heartbeat_at``, refreshed by the writer).  A running
run is alive when its process exists on this host, or — for a run on another
host, whose processes we cannot see — when its heartbeat is recent.  A running
run that is not alive was killed (SIGKILL, power loss): it is marked
``interrupted`` on the spot, so it can be resumed and never blocks anyone.

Looking for a live run and claiming the database happen in one write
transaction (``BEGIN IMMEDIATE`` on SQLite, a table lock on PostgreSQL), so two
runs starting at the same moment cannot both win.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select, update

from linkcheck.errors import DatabaseBusy
from linkcheck.store import runcounts
from linkcheck.store.convert import now_utc
from linkcheck.store.db import write_connection
from linkcheck.store.schema import runs
from linkcheck.types import RunStatus

T = TypeVar("T")

#: A run on another host is alive while its heartbeat is younger than this
#: (the writer beats every 30 seconds).
HEARTBEAT_FRESH = timedelta(minutes=2)
#: On the same host a live pid counts, unless its heartbeat is this old (pid reuse).
SAME_HOST_STALE = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class LockHolder:
    """The live run that holds the database."""

    run_id: int
    pid: int | None
    host: str | None
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Waiting:
    """How long to wait for the lock, and how: the clock and sleep are injectable for tests."""

    seconds: float = 0.0
    poll_interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def this_host() -> str:
    return socket.gethostname()


def process_exists(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    if pid <= 0:
        return False  # 0 and negative ids would address process groups
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists but belongs to someone else
    except OSError:
        return False
    return True


def is_alive(row: Any, *, host: str, now: datetime) -> bool:
    """Whether the process of a ``running`` run row (pid, host, heartbeat_at) still runs."""
    if row.host == host and row.pid is not None:
        # After a kill -9 the pid may be reused by another process: a heartbeat
        # silent for far longer than any scan lets the lock go.
        silent = row.heartbeat_at is not None and now - row.heartbeat_at > SAME_HOST_STALE
        return process_exists(row.pid) and not silent
    return row.heartbeat_at is not None and now - row.heartbeat_at < HEARTBEAT_FRESH


def live_holder(connection: Connection) -> LockHolder | None:
    """The live running run, if any; running runs that are not alive become interrupted.

    Call inside a write transaction (see :func:`locked`).
    """
    now, host = now_utc(), this_host()
    query = select(runs.c.id, runs.c.pid, runs.c.host, runs.c.started_at, runs.c.heartbeat_at)
    rows = connection.execute(query.where(runs.c.status == RunStatus.RUNNING.value)).all()
    holder: LockHolder | None = None
    for row in rows:
        if is_alive(row, host=host, now=now):
            holder = holder or LockHolder(row.id, row.pid, row.host, row.started_at)
        else:
            # Its last heartbeat is the best guess of when it died.
            connection.execute(
                update(runs)
                .where(runs.c.id == row.id)
                .values(
                    status=RunStatus.INTERRUPTED.value,
                    finished_at=row.heartbeat_at or row.started_at,
                )
            )
            runcounts.store_counts(connection, row.id)
    return holder


def locked(
    engine: Engine, action: Callable[[Connection], T], *, waiting: Waiting, database: str
) -> T:
    """Run ``action`` in the write transaction that finds no live run, waiting if asked.

    Raises :class:`DatabaseBusy` when a live run still holds the database after
    ``waiting.seconds``.
    """
    deadline = waiting.clock() + waiting.seconds
    while True:
        with write_connection(engine) as connection:
            if connection.dialect.name == "postgresql":
                # Lockers queue here; plain readers of runs are not blocked.
                connection.exec_driver_sql("LOCK TABLE runs IN SHARE ROW EXCLUSIVE MODE")
            holder = live_holder(connection)
            if holder is None:
                return action(connection)
        remaining = deadline - waiting.clock()
        if remaining <= 0:
            raise DatabaseBusy(busy_message(holder, database))
        waiting.sleep(min(waiting.poll_interval, remaining))


def busy_message(holder: LockHolder, database: str) -> str:
    started = holder.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"database {database} is in use by run {holder.run_id} "
        f"(pid {holder.pid} on host {holder.host}, started {started}); "
        "wait until it finishes, or use --wait with a duration such as 10m to wait for it"
    )


def claim_values() -> dict[str, Any]:
    """The columns that say this process now runs a run."""
    now = now_utc()
    return {
        "status": RunStatus.RUNNING.value,
        "heartbeat_at": now,
        "pid": os.getpid(),
        "host": this_host(),
    }
