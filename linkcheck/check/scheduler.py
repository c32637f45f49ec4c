"""Politeness for the checker: how many requests run at once, to whom, and when.

Every HTTP request (each redirect hop too) runs inside ``Scheduler.slot(host)``, which holds
one permit of the global concurrency limit and one of that host's limit, and starts only once
the host's minimum interval since its previous request start has passed and any pause
(``Retry-After``) is over.  A slot takes its permits in a fixed order so that waiting never
wastes a global permit:

1. the host's permit (a request that cannot run yet because its host is busy holds nothing
   global);
2. the host's start time (interval and pause are waited out by sleeping, still holding no
   global permit);
3. a global permit; then the start time is checked again, because a pause may have arrived
   while the request queued for the permit.  If it did, the global permit goes back and the
   slot waits again.

``Scheduler.map`` runs the work for many items (up to millions, from a generator, or from an
async iterable whose items arrive while the work runs) with a bounded number of tasks.  It
pulls items lazily into per-host queues and starts work round-robin over the hosts that can
take a request now: a host that is at its concurrency limit, paused or inside its interval
gets no new task, so its queue waits while other hosts proceed.  One slow, paused or
rate-limited host therefore never stalls the rest.

Memory policy: at most ``max_queued`` pulled items wait in the per-host queues (the look-ahead
window; by default 64 per global permit, at least 1,024).  When the window is full of items
for hosts that cannot take more work, ``map`` stops pulling until one of them starts.  So a
corpus dominated by one host runs at that host's pace, which politeness requires anyway, and
memory stays bounded however long the input.

Cancelling the consumer of ``map`` (or closing the iterator) cancels every running task.  The
first exception raised by ``work`` stops new work and cancels the running tasks; results that
had already completed are still yielded, then the exception is raised to the consumer.  Close
the iterator when leaving the loop early: ``async with contextlib.aclosing(s.map(...)) as
results: async for result in results: ...``.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from functools import partial
from types import TracebackType
from typing import Any, Generic, TypeVar

from linkcheck.check.permits import Permits

T = TypeVar("T")
R = TypeVar("R")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: Host states are swept when their number passes this, then twice the live count.
_SWEEP_MIN_HOSTS = 1024
#: How long closing ``map`` waits for cancelled tasks to finish unwinding.
_CANCEL_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class HostLimits:
    """Limits for one host that replace the global per-host defaults (None: keep the default)."""

    concurrency: int | None = None
    interval: float | None = None

    def __post_init__(self) -> None:
        if self.concurrency is not None:
            _require_positive("concurrency", self.concurrency)
        if self.interval is not None:
            _require_interval("interval", self.interval)


@dataclass(frozen=True)
class Limits:
    """The checker's politeness limits; ``hosts`` maps host names to their own limits."""

    concurrency: int = 64
    per_host_concurrency: int = 8
    per_host_interval: float = 0.0
    hosts: Mapping[str, HostLimits] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _require_positive("concurrency", self.concurrency)
        _require_positive("per_host_concurrency", self.per_host_concurrency)
        _require_interval("per_host_interval", self.per_host_interval)


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """The limits that apply to one host once overrides are resolved."""

    concurrency: int
    interval: float


def host_key(host: str) -> str:
    """The name under which limits, queues and pauses are kept: case and final dot dropped."""
    return host.lower().rstrip(".")


def _require_positive(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")


def _require_interval(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value}")


class _Host:
    """What the scheduler knows about one host while it matters."""

    __slots__ = ("gate", "interval", "next_start", "paused_until", "users")

    def __init__(self, policy: HostPolicy) -> None:
        self.gate = Permits(policy.concurrency)
        self.interval = policy.interval
        self.next_start = -math.inf  # earliest start allowed by the interval
        self.paused_until = -math.inf  # earliest start allowed by Retry-After
        self.users = 0  # slots held or being waited for

    def ready_at(self) -> float:
        return max(self.next_start, self.paused_until)


class Scheduler:
    """Global and per-host concurrency, per-host intervals and pauses (see the module doc)."""

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._global = Permits(limits.concurrency)
        self._overrides = {host_key(name): value for name, value in limits.hosts.items()}
        self._default_policy = HostPolicy(limits.per_host_concurrency, limits.per_host_interval)
        self._hosts: dict[str, _Host] = {}
        self._sweep_at = _SWEEP_MIN_HOSTS
        #: Whether any host may ever have to wait for a start time (an interval, or
        #: a pause once one is asked for): if not, ``map`` skips the start times.
        self._timed = limits.per_host_interval > 0 or any(
            override.interval for override in limits.hosts.values()
        )

    # ------------------------------------------------------------------ public API

    def slot(self, host: str) -> AbstractAsyncContextManager[None]:
        """Hold a global and a per-host permit for one request to ``host``."""
        return _Slot(self, host_key(host))

    def pause_host(self, host: str, seconds: float) -> None:
        """Start no new request to ``host`` for ``seconds``; an existing longer pause stays."""
        until = self._clock() + seconds
        self._timed = True
        state = self._state(host_key(host))
        if until > state.paused_until:
            state.paused_until = until

    def policy(self, host: str) -> HostPolicy:
        """The concurrency and interval that apply to ``host``."""
        return self._policy(host_key(host))

    def ready_at(self, host: str) -> float:
        """The clock time before which no request to ``host`` may start (-inf: any time)."""
        return self._ready_at(host_key(host))

    # The underscored twins take a name already passed through host_key (map's hot path).

    def _policy(self, name: str) -> HostPolicy:
        override = self._overrides.get(name)
        if override is None:
            return self._default_policy
        return HostPolicy(
            concurrency=override.concurrency or self._default_policy.concurrency,
            interval=(
                self._default_policy.interval if override.interval is None else override.interval
            ),
        )

    def _ready_at(self, name: str) -> float:
        state = self._hosts.get(name)
        return -math.inf if state is None else state.ready_at()

    async def map(
        self,
        items: Iterable[T] | AsyncIterable[T],
        key: Callable[[T], str],
        work: Callable[[T], Awaitable[R]],
        *,
        max_tasks: int | None = None,
        max_queued: int | None = None,
    ) -> AsyncGenerator[R, None]:
        """Run ``work`` on every item, yielding results as they complete.

        An async generator (an ``AsyncIterator`` with ``aclose``), so callers can close it.

        ``items`` may be an async iterable: its items are taken as they arrive (work starts
        with the first), and an exception it raises stops the work like one from ``work``.

        ``key(item)`` names the host the item's first request goes to; ``work`` takes its own
        slots.  ``max_tasks`` bounds the running tasks (default: the global concurrency plus
        half of it again, so that a task between requests or sleeping before a retry does not
        leave a permit idle); ``max_queued`` bounds the look-ahead window (see the module doc).
        """
        concurrency = self.limits.concurrency
        dispatch = _Dispatch(
            self,
            items,
            key,
            work,
            max_tasks=max_tasks or concurrency + max(4, concurrency // 2),
            max_queued=max_queued or max(_SWEEP_MIN_HOSTS, 64 * concurrency),
        )
        try:
            while True:
                dispatch.launch()
                if dispatch.has_result():
                    yield dispatch.take_result()
                elif dispatch.failure is not None:
                    raise dispatch.failure
                elif dispatch.finished():
                    return
                else:
                    await dispatch.wait()
        finally:
            await dispatch.cancel()

    # ------------------------------------------------------------------ slots

    def _try_enter(self, name: str) -> _Host | None:
        """Both permits at once, without waiting, when they are free and the host may
        start now: the usual case.  ``None`` when the slot has to be waited for."""
        state = self._state(name)
        if not state.gate.try_take():
            return None
        now = self._clock()
        if state.ready_at() <= now and self._global.try_take():
            state.users += 1
            state.next_start = now + state.interval
            return state
        state.gate.give()
        return None

    async def _enter(self, name: str) -> _Host:
        state = self._state(name)
        state.users += 1
        try:
            await state.gate.take()
            try:
                await self._start_turn(state)
            except BaseException:
                state.gate.give()
                raise
        except BaseException:
            self._leave_host(name, state)
            raise
        return state

    async def _start_turn(self, state: _Host) -> None:
        """Wait for the host's start time, then take a global permit (see the module doc)."""
        while True:
            wait = state.ready_at() - self._clock()
            if wait > 0:
                await self._sleep(wait)
                continue
            await self._global.take()
            now = self._clock()
            if state.ready_at() <= now:
                state.next_start = now + state.interval
                return
            self._global.give()

    def _exit(self, name: str, state: _Host) -> None:
        self._global.give()
        state.gate.give()
        self._leave_host(name, state)

    # ------------------------------------------------------------------ host states

    def _state(self, name: str) -> _Host:
        state = self._hosts.get(name)
        if state is None:
            if len(self._hosts) >= self._sweep_at:
                self._sweep()
            state = self._hosts[name] = _Host(self._policy(name))
        return state

    def _leave_host(self, name: str, state: _Host) -> None:
        # An idle host's state is kept (a busy run returns to the same hosts again
        # and again) until a sweep forgets it: memory stays bounded all the same.
        state.users -= 1

    def _sweep(self) -> None:
        """Forget hosts nobody waits for and whose interval and pause are over."""
        now = self._clock()
        idle = [n for n, s in self._hosts.items() if s.users == 0 and s.ready_at() <= now]
        for name in idle:
            del self._hosts[name]
        self._sweep_at = max(_SWEEP_MIN_HOSTS, 2 * len(self._hosts))


class _Slot:
    """The context manager returned by ``Scheduler.slot`` (a class: cheaper than a generator)."""

    __slots__ = ("_name", "_scheduler", "_state")

    def __init__(self, scheduler: Scheduler, name: str) -> None:
        self._scheduler = scheduler
        self._name = name
        self._state: _Host | None = None

    async def __aenter__(self) -> None:
        state = self._scheduler._try_enter(self._name)
        if state is None:
            state = await self._scheduler._enter(self._name)
        self._state = state

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._state is not None, "slot exited without being entered"
        self._scheduler._exit(self._name, self._state)
        self._state = None


class _Dispatch(Generic[T, R]):
    """The bookkeeping of one ``Scheduler.map`` run: queues, running tasks, finished results."""

    def __init__(
        self,
        scheduler: Scheduler,
        items: Iterable[T] | AsyncIterable[T],
        key: Callable[[T], str],
        work: Callable[[T], Awaitable[R]],
        *,
        max_tasks: int,
        max_queued: int,
    ) -> None:
        self._scheduler = scheduler
        self._clock = scheduler._clock
        self._items: Iterator[T] | None = None
        self._feed: _Feed[T] | None = None
        self._key = key
        self._work = work
        self._max_tasks = max_tasks
        self._max_queued = max_queued
        self._exhausted = False
        self._queues: dict[str, deque[T]] = {}
        self._queued = 0
        self._running: dict[str, int] = {}
        self._tasks: set[asyncio.Future[R]] = set()
        self._results: deque[asyncio.Future[R]] = deque()
        # A host is "scheduled" while it sits in exactly one of _ready (can start now, served
        # round-robin) or _timers (can start at the given clock time).
        self._scheduled: set[str] = set()
        self._ready: deque[str] = deque()
        self._timers: list[tuple[float, int, str]] = []
        self._timer_seq = 0
        # Start times this run has planned for hosts with an interval: starting a second task
        # before the first one's request began would only park it inside slot().
        self._paced: dict[str, float] = {}
        self._wakeup: asyncio.Future[None] | None = None
        self._stopping = False
        self.failure: BaseException | None = None
        if isinstance(items, AsyncIterable):
            self._feed = _Feed(items, on_arrival=self._wake, room=max(1, max_queued // 4))
        else:
            self._items = iter(items)

    # ------------------------------------------------------------------ state queries

    def has_result(self) -> bool:
        return bool(self._results)

    def take_result(self) -> R:
        return self._results.popleft().result()

    def finished(self) -> bool:
        return self._exhausted and not self._queues and not self._tasks and not self._results

    # ------------------------------------------------------------------ starting work

    def launch(self) -> None:
        """Start tasks until the task budget is used or nothing can start now."""
        while not self._stopping and len(self._tasks) + len(self._results) < self._max_tasks:
            host = self._next_ready_host()
            if host is not None:
                self._start(host)
            elif not self._pull():
                return

    def _pull(self) -> bool:
        """Queue the next input item; False when the input is done or the window is full."""
        if self._exhausted or self._queued >= self._max_queued:
            return False
        if self._feed is not None:
            return self._pull_arrived(self._feed)
        assert self._items is not None
        try:
            item = next(self._items)
        except StopIteration:
            self._exhausted = True
            return False
        self._queue_item(item)
        return True

    def _pull_arrived(self, feed: _Feed[T]) -> bool:
        if feed.has_item():
            self._queue_item(feed.take())
            return True
        if feed.error is not None:
            self._fail(feed.error)
        elif feed.ended:
            self._exhausted = True
        return False  # nothing yet: an arrival wakes wait()

    def _queue_item(self, item: T) -> None:
        host = host_key(self._key(item))
        queue = self._queues.get(host)
        if queue is None:
            queue = self._queues[host] = deque()
        queue.append(item)
        self._queued += 1
        self._schedule(host)

    def _start(self, host: str) -> None:
        queue = self._queues[host]
        item = queue.popleft()
        if not queue:
            del self._queues[host]
        self._queued -= 1
        self._running[host] = self._running.get(host, 0) + 1
        interval = self._scheduler._policy(host).interval
        if interval > 0:
            self._paced[host] = self._clock() + interval
        task = asyncio.ensure_future(self._work(item))
        self._tasks.add(task)
        task.add_done_callback(partial(self._on_done, host))
        self._schedule(host)

    def _schedule(self, host: str) -> None:
        """Put ``host`` in line if it has queued items and room for another task."""
        if host in self._scheduled or host not in self._queues:
            return
        if self._running.get(host, 0) >= self._scheduler._policy(host).concurrency:
            return  # _on_done schedules it again when one of its tasks finishes
        self._scheduled.add(host)
        start_at = self._start_time(host)
        if start_at > self._clock():
            self._add_timer(start_at, host)
        else:
            self._ready.append(host)

    def _start_time(self, host: str) -> float:
        if not self._scheduler._timed:
            return -math.inf
        return max(self._scheduler._ready_at(host), self._paced.get(host, -math.inf))

    def _add_timer(self, at: float, host: str) -> None:
        self._timer_seq += 1
        heapq.heappush(self._timers, (at, self._timer_seq, host))

    def _next_ready_host(self) -> str | None:
        """The next host, round-robin, that may start a request now (it leaves the line)."""
        if self._timers:
            now = self._clock()
            while self._timers and self._timers[0][0] <= now:
                self._ready.append(heapq.heappop(self._timers)[2])
        while self._ready:
            host = self._ready.popleft()
            start_at = self._start_time(host)
            if start_at > self._clock():  # paused since it was put in line
                self._add_timer(start_at, host)
                continue
            self._scheduled.discard(host)
            return host
        return None

    # ------------------------------------------------------------------ finishing work

    def _on_done(self, host: str, task: asyncio.Future[R]) -> None:
        self._tasks.discard(task)
        remaining = self._running[host] - 1
        if remaining:
            self._running[host] = remaining
        else:
            del self._running[host]
            if host not in self._queues:
                self._paced.pop(host, None)
        if task.cancelled():
            if not self._stopping:  # cancelled by someone else: the run cannot complete
                self._fail(asyncio.CancelledError())
        elif (error := task.exception()) is not None:
            self._fail(error)
        else:
            self._results.append(task)
        self._schedule(host)
        self._wake()

    def _fail(self, error: BaseException) -> None:
        if self.failure is None:
            self.failure = error
        self._stop_tasks()

    def _stop_tasks(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()

    # ------------------------------------------------------------------ waiting

    async def wait(self) -> None:
        """Sleep until a task finishes or a waiting host's start time comes."""
        self._wakeup = wakeup = asyncio.get_running_loop().create_future()
        timer: asyncio.Future[None] | None = None
        if self._timers:
            delay = max(0.0, self._timers[0][0] - self._clock())
            timer = asyncio.ensure_future(self._scheduler._sleep(delay))
            # Only this wait's own future: the timer is cancelled when the wait ends
            # early, and its callback runs after that, when the next wait may have
            # begun.  Waking that one would end it at once, and cancel its timer,
            # whose callback would wake the next: a busy loop for as long as any
            # host waits for its interval.
            timer.add_done_callback(partial(_set_once, wakeup))
        try:
            await wakeup
        finally:
            self._wakeup = None
            if timer is not None:
                timer.cancel()

    def _wake(self) -> None:
        if self._wakeup is not None:
            _set_once(self._wakeup)

    async def cancel(self) -> None:
        """Cancel every running task (and the feed) and give them a moment to unwind."""
        self._stop_tasks()
        pending: set[asyncio.Future[Any]] = set(self._tasks)
        if self._feed is not None:
            pending.add(self._feed.stop())
        pending = {task for task in pending if not task.done()}
        if pending:
            await asyncio.wait(pending, timeout=_CANCEL_GRACE_SECONDS)


def _set_once(wakeup: asyncio.Future[None], _timer: object = None) -> None:
    if not wakeup.done():
        wakeup.set_result(None)


class _Feed(Generic[T]):
    """Items of an async iterable, pumped by a task into a bounded buffer as they arrive."""

    def __init__(
        self, source: AsyncIterable[T], *, on_arrival: Callable[[], None], room: int
    ) -> None:
        self._buffer: deque[T] = deque()
        self._on_arrival = on_arrival
        self._room = room
        self._space = asyncio.Event()
        self.ended = False
        self.error: BaseException | None = None
        self._task: asyncio.Future[None] = asyncio.ensure_future(self._pump(source))

    def has_item(self) -> bool:
        return bool(self._buffer)

    def take(self) -> T:
        item = self._buffer.popleft()
        self._space.set()
        return item

    def stop(self) -> asyncio.Future[None]:
        self._task.cancel()
        return self._task

    async def _pump(self, source: AsyncIterable[T]) -> None:
        items = aiter(source)
        try:
            async for item in items:
                self._buffer.append(item)
                self._on_arrival()
                while len(self._buffer) >= self._room:  # the consumer is behind: wait
                    self._space.clear()
                    await self._space.wait()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the source failed: the run stops with its error
            self.error = error
        finally:
            await self._close(items)
            self.ended = True
            self._on_arrival()

    async def _close(self, items: AsyncIterator[T]) -> None:
        """Close the source now, not when it is garbage: ``async for`` leaves a generator
        suspended when stopped while waiting for room, and its clean-up (the pipeline's
        scanning thread) must not outlive the work."""
        aclose = getattr(items, "aclose", None)
        if aclose is None:
            return
        try:
            await aclose()
        except Exception as error:
            if self.error is None:
                self.error = error
