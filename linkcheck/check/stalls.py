"""The read timeout of every request in flight, kept by one periodic sweep instead of timers.

A request *stalls* when nothing arrives for ``limit`` seconds: no answer since it started,
or no body bytes since the last ones.  aiohttp's own read timeout (``sock_read``) arms a
timer when a request is sent and again whenever data arrives; at a thousand requests a
second the upkeep of those timers in the event loop's heap is a measurable share of the
checker's CPU.  One sweep every quarter of ``limit`` finds the stalled requests instead, so
a stall is noticed between ``limit`` and 1.25 × ``limit`` seconds after it began.

A request stalled before its answer is ended as ``asyncio.timeout`` ends one: its task is
cancelled, and ``TimeoutError`` is raised where the watch was entered (a cancellation from
anyone else still propagates).  One stalled while its body is read gets
``aiohttp.SocketTimeoutError`` from its next read, as from aiohttp's own read timeout, so
the part of the body already read is kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType

import aiohttp

Clock = Callable[[], float]

#: However short the limit, sweeps come no closer together than this.
_MIN_SWEEP_SECONDS = 0.01


class Watch:
    """One request's watch: a context manager entered, inside a task, around the request
    and its answer.  Tell it :meth:`answered` once the answer's headers are in: from then
    on only a stalled body ends the request.
    """

    __slots__ = ("_cancelling", "_expired", "_stalls", "_task", "last", "response", "seen")

    def __init__(self, stalls: StallWatch) -> None:
        self._stalls = stalls
        self._expired = False  # this watch cancelled the task
        self.response: aiohttp.ClientResponse | None = None
        # Set on entry: the task, its pending cancellations then, and when something
        # last arrived (at first: when the request started).  ``seen`` (body bytes
        # received at the last sweep) is set with ``response``.
        self._task: asyncio.Task[object]
        self._cancelling: int
        self.last: float
        self.seen: int

    def __enter__(self) -> Watch:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a stall watch must be entered inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        stalls = self._stalls
        self.last = stalls.clock()
        stalls.watching.add(self)
        if stalls.sweep is None:
            stalls.start_sweeping()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stalls.watching.discard(self)
        # Our cancellation is withdrawn; only if it was the sole one is it a timeout.
        if (
            self._expired
            and self._task.uncancel() <= self._cancelling
            and exc_type is asyncio.CancelledError
        ):
            raise TimeoutError("no answer within the read timeout") from exc

    def answered(self, response: aiohttp.ClientResponse) -> None:
        content = response.content
        if content.is_eof():
            return  # the whole body is in: nothing left to stall
        self.response = response
        self.last = self._stalls.clock()
        self.seen = content.total_raw_bytes

    def end_if_stalled(self, now: float, limit: float) -> None:
        response = self.response
        if response is None:
            if now - self.last >= limit and not self._expired:
                self._expired = True
                self._task.cancel()
            return
        content = response.content
        if content.is_eof() or content.exception() is not None:
            return
        received = content.total_raw_bytes
        if received != self.seen:  # something arrived since the last sweep
            self.seen = received
            self.last = now
        elif now - self.last >= limit:
            content.set_exception(aiohttp.SocketTimeoutError("Timeout on reading data from socket"))


class StallWatch:
    """Ends requests that receive nothing for ``limit`` seconds (see the module doc)."""

    def __init__(self, limit: float, *, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self.watching: set[Watch] = set()
        self.sweep: asyncio.TimerHandle | None = None

    def watch(self) -> Watch:
        """A watch for one request: ``with stalls.watch() as watch: ...``."""
        return Watch(self)

    def start_sweeping(self) -> None:
        """Make a sweep due (a watch calls this on entry when none is)."""
        period = max(self.limit / 4, _MIN_SWEEP_SECONDS)
        self.sweep = asyncio.get_running_loop().call_later(period, self._run_sweep)

    def _run_sweep(self) -> None:
        self.sweep = None
        if not self.watching:
            return  # an idle watch keeps no timer: nothing outlives the requests
        now = self.clock()
        for watch in list(self.watching):
            watch.end_if_stalled(now, self.limit)
        self.start_sweeping()
