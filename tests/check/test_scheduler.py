"""The scheduler keeps every limit, interleaves hosts, and stops cleanly.

Limits are proven against real aiohttp servers on distinct loopback addresses that count the
requests in flight per host; intervals and pauses run on virtual time, without real waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, suppress
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from linkcheck.check.scheduler import HostLimits, Limits, Scheduler

# --------------------------------------------------------------------------- virtual time


class VirtualTime:
    """A clock and sleep for the scheduler: time jumps to the next sleeper's deadline once
    every other task has had its turn, so 30 s of pauses take no real time."""

    _SETTLE_TURNS = 50  # loop turns given to runnable tasks before time moves on
    _MAX_STEPS = 100_000

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), wake))
        try:
            await wake
        finally:
            wake.cancel()  # a cancelled sleeper is skipped when its deadline comes

    async def drive(self) -> None:
        for _ in range(self._MAX_STEPS):
            for _ in range(self._SETTLE_TURNS):
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if self._sleepers:
                deadline, _, wake = heapq.heappop(self._sleepers)
                self.now = max(self.now, deadline)
                wake.set_result(None)


@pytest.fixture
async def virtual_time() -> AsyncIterator[VirtualTime]:
    time = VirtualTime()
    driver = asyncio.create_task(time.drive())
    yield time
    driver.cancel()
    with suppress(asyncio.CancelledError):
        await driver


# --------------------------------------------------------------------------- a counting web


@dataclass
class InFlight:
    """Requests in flight per Host header, and the most ever seen at once."""

    current: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    peak_total: int = 0

    def enter(self, host: str) -> None:
        self.current[host] += 1
        self.peak[host] = max(self.peak[host], self.current[host])
        self.peak_total = max(self.peak_total, self.current.total())

    def leave(self, host: str) -> None:
        self.current[host] -= 1


def counting_app(in_flight: InFlight, release: asyncio.Event | None = None) -> web.Application:
    """A site that holds each request briefly (or until ``release``, at most 2 s)."""

    async def handle(request: web.Request) -> web.Response:
        in_flight.enter(request.host)
        try:
            if release is None:
                await asyncio.sleep(0.005)
            else:
                with suppress(TimeoutError):
                    await asyncio.wait_for(release.wait(), 2.0)
        finally:
            in_flight.leave(request.host)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    return app


async def serve_on(
    aiohttp_server: AiohttpServer, address: str, in_flight: InFlight, **kwargs: asyncio.Event
) -> str:
    """Start a counting site on ``address``; return its ``host:port``."""
    server = await aiohttp_server(counting_app(in_flight, **kwargs), host=address)
    return f"{address}:{server.port}"


async def fetch(scheduler: Scheduler, session: aiohttp.ClientSession, host: str) -> None:
    async with scheduler.slot(host), session.get(f"http://{host}/") as response:
        await response.read()


# --------------------------------------------------------------------------- limits on the wire


async def test_limits_are_never_exceeded_on_a_real_web(aiohttp_server: AiohttpServer) -> None:
    in_flight = InFlight()
    hosts = [await serve_on(aiohttp_server, f"127.0.0.{n}", in_flight) for n in (2, 3, 4, 5)]
    strict = hosts[3]
    limits = Limits(concurrency=10, per_host_concurrency=3, hosts={strict: HostLimits(1)})
    scheduler = Scheduler(limits)
    items = [(i, hosts[i % 3]) for i in range(150)]

    async with aiohttp.ClientSession() as session:

        async def work(item: tuple[int, str]) -> int:
            number, host = item
            await fetch(scheduler, session, host)
            if number % 4 == 0:  # like a redirect hop: a second request, to another host
                await fetch(scheduler, session, strict)
            return number

        done = [n async for n in scheduler.map(items, lambda item: item[1], work)]

    assert sorted(done) == list(range(150))
    assert in_flight.peak_total <= 10
    assert in_flight.peak[strict] == 1
    # Each ordinary host was kept busy up to its limit, and never beyond it.
    assert [in_flight.peak[host] for host in hosts[:3]] == [3, 3, 3]


async def test_a_slow_host_does_not_stall_the_fast_ones(aiohttp_server: AiohttpServer) -> None:
    in_flight = InFlight()
    release = asyncio.Event()
    slow = await serve_on(aiohttp_server, "127.0.0.2", in_flight, release=release)
    fast = [await serve_on(aiohttp_server, f"127.0.0.{n}", in_flight) for n in (3, 4, 5)]
    # The slow host's URLs come first: enough to fill every task the scheduler may run.
    items = [slow] * 20 + [fast[i % 3] for i in range(30)]
    scheduler = Scheduler(Limits(concurrency=4, per_host_concurrency=2))
    finished: list[str] = []

    async with aiohttp.ClientSession() as session:

        async def work(host: str) -> str:
            await fetch(scheduler, session, host)
            return host

        async for host in scheduler.map(items, lambda host: host, work):
            finished.append(host)
            if finished.count(slow) == 0 and len(finished) == 30:
                release.set()  # every fast URL is done: let the slow host answer

    assert set(finished[:30]) == set(fast)
    assert finished[30:] == [slow] * 20
    assert in_flight.peak[slow] == 2


# --------------------------------------------------------------------------- intervals, pauses


async def test_requests_to_a_host_are_spaced_by_its_interval(virtual_time: VirtualTime) -> None:
    limits = Limits(
        concurrency=8,
        per_host_concurrency=3,
        per_host_interval=1.0,
        hosts={"c.test": HostLimits(interval=0.0)},
    )
    scheduler = Scheduler(limits, clock=virtual_time.clock, sleep=virtual_time.sleep)
    starts: dict[str, list[float]] = {"a.test": [], "b.test": [], "c.test": []}

    async def work(host: str) -> None:
        async with scheduler.slot(host):
            starts[host].append(virtual_time.clock())
            await virtual_time.sleep(0.5)  # the response takes a while

    items = ["a.test"] * 5 + ["b.test"] * 5 + ["c.test"] * 5
    results = [r async for r in scheduler.map(items, lambda host: host, work)]

    assert len(results) == 15
    for host in ("a.test", "b.test"):
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts[host])]
        assert len(gaps) == 4
        assert min(gaps) >= 1.0
    assert starts["b.test"][0] == 0.0  # b did not queue behind a
    assert max(starts["c.test"]) < 1.0  # the override removes c's interval


async def test_slots_alone_keep_the_interval(virtual_time: VirtualTime) -> None:
    """Redirect hops take slots outside ``map``: the slot itself must space them."""
    limits = Limits(per_host_concurrency=4, per_host_interval=2.0)
    scheduler = Scheduler(limits, clock=virtual_time.clock, sleep=virtual_time.sleep)
    starts: list[float] = []

    async def request() -> None:
        async with scheduler.slot("a.test"):
            starts.append(virtual_time.clock())

    await asyncio.gather(*(request() for _ in range(4)))

    assert starts == [0.0, 2.0, 4.0, 6.0]


async def test_the_host_with_the_most_work_is_kept_at_its_limit_from_the_start(
    virtual_time: VirtualTime,
) -> None:
    """Eight links on a.test (two at a time) and one on each of six other hosts, four
    slots: a.test alone needs four rounds, and the run takes no more, because the other
    hosts only ever take the slots a.test cannot use."""
    scheduler = Scheduler(
        Limits(concurrency=4, per_host_concurrency=2),
        clock=virtual_time.clock,
        sleep=virtual_time.sleep,
    )
    starts: dict[str, list[float]] = {}

    async def work(item: str) -> str:
        host = item.split("/")[0]
        async with scheduler.slot(host):
            starts.setdefault(host, []).append(virtual_time.clock())
            await virtual_time.sleep(1.0)
        return item

    items = [f"a.test/{i}" for i in range(8)] + [f"{h}.test/0" for h in "bcdefg"]
    done = [r async for r in scheduler.map(items, lambda i: i.split("/")[0], work, max_tasks=4)]

    assert sorted(done) == sorted(items)
    assert starts["a.test"] == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    assert max(max(times) for times in starts.values()) == 3.0  # the run ends at 4.0


async def test_a_paused_host_waits_while_others_proceed(virtual_time: VirtualTime) -> None:
    limits = Limits(concurrency=4, per_host_concurrency=1)
    scheduler = Scheduler(limits, clock=virtual_time.clock, sleep=virtual_time.sleep)
    starts: list[tuple[str, float]] = []

    async def work(item: str) -> str:
        host = item.split("/")[0]
        async with scheduler.slot(host):
            starts.append((item, virtual_time.clock()))
            if item == "a.test/0":
                scheduler.pause_host(host, 30.0)  # as for "429, Retry-After: 30"
            await virtual_time.sleep(0.1)
        return item

    items = [f"a.test/{i}" for i in range(4)] + [f"b.test/{i}" for i in range(4)]
    order = [r async for r in scheduler.map(items, lambda item: item.split("/")[0], work)]

    start_of = dict(starts)
    assert start_of["a.test/0"] == 0.0
    assert min(start_of[f"a.test/{i}"] for i in (1, 2, 3)) >= 30.0
    assert max(start_of[f"b.test/{i}"] for i in range(4)) < 30.0
    assert set(order[:5]) == {"a.test/0"} | {f"b.test/{i}" for i in range(4)}


async def test_a_pause_arriving_while_queued_for_a_permit_is_honoured(
    virtual_time: VirtualTime,
) -> None:
    scheduler = Scheduler(Limits(concurrency=1), clock=virtual_time.clock, sleep=virtual_time.sleep)
    starts: list[float] = []

    async def hold_the_only_permit_then_pause() -> None:
        async with scheduler.slot("other.test"):
            await virtual_time.sleep(1.0)
            scheduler.pause_host("a.test", 10.0)

    async def request_a() -> None:
        async with scheduler.slot("a.test"):
            starts.append(virtual_time.clock())

    await asyncio.gather(hold_the_only_permit_then_pause(), request_a())

    assert starts == [11.0]


async def test_a_pause_is_never_shortened(virtual_time: VirtualTime) -> None:
    scheduler = Scheduler(Limits(), clock=virtual_time.clock, sleep=virtual_time.sleep)
    scheduler.pause_host("A.test", 30.0)
    scheduler.pause_host("a.test.", 5.0)  # same host, spelled differently
    assert scheduler.ready_at("a.test") == 30.0


# --------------------------------------------------------------------------- map's machinery


async def test_map_pulls_lazily_and_keeps_the_global_limit() -> None:
    scheduler = Scheduler(Limits(concurrency=16, per_host_concurrency=4))
    pulled = 0
    running = 0
    peak = 0

    def endless() -> Iterator[int]:
        nonlocal pulled
        for number in itertools.count():
            pulled += 1
            yield number

    async def work(number: int) -> int:
        nonlocal running, peak
        async with scheduler.slot(f"h{number % 50}.test"):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0)
            running -= 1
        return number

    consumed = 0
    results = scheduler.map(endless(), lambda n: f"h{n % 50}.test", work, max_queued=100)
    async with aclosing(results):
        async for _ in results:
            consumed += 1
            assert pulled - consumed <= 24 + 100  # running tasks + look-ahead window
            if consumed == 3_000:
                break

    assert peak == 16


async def test_one_host_cannot_take_every_task() -> None:
    """Many queued items for one host start no more tasks than that host may use."""
    scheduler = Scheduler(Limits(concurrency=4, per_host_concurrency=2))
    release = asyncio.Event()
    started: Counter[str] = Counter()

    async def work(host: str) -> str:
        started[host] += 1
        if host == "busy.test":
            await release.wait()
        return host

    items = ["busy.test"] * 50 + ["free.test"] * 10
    results = scheduler.map(items, lambda host: host, work)
    async with aclosing(results):
        first_ten = [await anext(results) for _ in range(10)]
        assert first_ten == ["free.test"] * 10
        assert started["busy.test"] == 2
        release.set()
        rest = [host async for host in results]
    assert rest == ["busy.test"] * 50


async def test_an_exception_from_work_reaches_the_consumer_and_stops_the_rest() -> None:
    scheduler = Scheduler(Limits(concurrency=8))
    cancelled: list[str] = []

    async def work(item: str) -> str:
        if item.startswith("ok"):
            return item
        if item == "boom":
            for _ in range(3):
                await asyncio.sleep(0)
            raise ValueError("a bug in the check")
        try:
            await asyncio.Event().wait()  # never answers
        except asyncio.CancelledError:
            cancelled.append(item)
            raise
        return item

    items = ["ok1", "ok2", "boom", "hang1", "hang2"]
    seen: list[str] = []
    with pytest.raises(ValueError, match="a bug in the check"):
        async for item in scheduler.map(items, lambda item: f"{item}.test", work):
            seen.append(item)

    assert sorted(seen) == ["ok1", "ok2"]  # finished results are not lost
    assert sorted(cancelled) == ["hang1", "hang2"]


async def test_cancelling_the_consumer_cancels_running_work() -> None:
    scheduler = Scheduler(Limits(concurrency=4, per_host_concurrency=1))
    all_started = asyncio.Event()
    started = 0
    cancelled = 0

    async def work(number: int) -> int:
        nonlocal started, cancelled
        started += 1
        if started == 4:
            all_started.set()
        try:
            async with scheduler.slot(f"h{number}.test"):
                await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return number

    async def consume() -> None:
        async for _ in scheduler.map(range(4), lambda n: f"h{n}.test", work):
            pass

    consumer = asyncio.create_task(consume())
    await all_started.wait()
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert cancelled == 4
    # Every permit came back: a new request gets a slot at once.
    async with asyncio.timeout(5), scheduler.slot("h0.test"):
        pass


async def test_work_starts_while_an_async_source_is_still_producing() -> None:
    """Items that arrive over time are worked on as they come, not after the source ends."""
    scheduler = Scheduler(Limits(concurrency=4))
    more = asyncio.Event()
    done_before_more: list[int] = []

    async def arriving() -> AsyncIterator[int]:
        yield 1
        yield 2
        await more.wait()  # the rest is still being found
        yield 3

    async def work(number: int) -> int:
        if not more.is_set():
            done_before_more.append(number)
        return number

    results = scheduler.map(arriving(), lambda n: f"h{n}.test", work)
    async with aclosing(results):
        first = [await anext(results), await anext(results)]
        more.set()
        rest = [n async for n in results]

    assert sorted(first) == [1, 2] == sorted(done_before_more)
    assert rest == [3]


async def test_an_async_source_is_read_only_a_window_ahead() -> None:
    scheduler = Scheduler(Limits(concurrency=2, per_host_concurrency=2))
    produced = 0
    release = asyncio.Event()

    async def endless() -> AsyncIterator[int]:
        nonlocal produced
        for number in itertools.count():
            produced += 1
            yield number

    async def work(number: int) -> int:
        await release.wait()
        return number

    results = scheduler.map(endless(), lambda n: "one.test", work, max_queued=40)
    async with aclosing(results):
        waiting = asyncio.ensure_future(anext(results))
        for _ in range(200):
            await asyncio.sleep(0)
        assert produced <= 2 + 3 + 40 + 10 + 1  # tasks + window + feed room, no more
        release.set()
        assert await waiting == 0


async def test_a_failing_async_source_stops_the_work_with_its_error() -> None:
    scheduler = Scheduler(Limits(concurrency=4))
    cancelled: list[int] = []

    async def broken() -> AsyncIterator[int]:
        yield 1
        yield 2
        for _ in range(5):
            await asyncio.sleep(0)
        raise OSError("the inputs went away")

    async def work(number: int) -> int:
        if number == 2:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(number)
                raise
        return number

    seen: list[int] = []
    with pytest.raises(OSError, match="the inputs went away"):
        async for number in scheduler.map(broken(), lambda n: f"h{n}.test", work):
            seen.append(number)
    assert seen == [1]
    assert cancelled == [2]


async def test_closing_the_results_closes_the_async_source() -> None:
    scheduler = Scheduler(Limits(concurrency=4))
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[int]:
        try:
            for number in itertools.count():
                await asyncio.sleep(0)
                yield number
        finally:
            closed.set()

    async def work(number: int) -> int:
        return number

    results = scheduler.map(endless(), lambda n: f"h{n % 3}.test", work)
    async with aclosing(results):
        assert [await anext(results) for _ in range(3)]
    assert closed.is_set()


async def test_closing_the_results_closes_a_source_that_waits_for_room() -> None:
    """A source far ahead of the work is parked at its ``yield`` (the window is full): it is
    closed at once all the same, so its clean-up (the pipeline's scanning thread) runs now."""
    scheduler = Scheduler(Limits(concurrency=1))
    closed = asyncio.Event()

    async def eager() -> AsyncIterator[int]:
        try:
            for number in itertools.count():
                yield number  # never awaits: only a full window stops it
        finally:
            closed.set()

    async def work(number: int) -> int:
        return number

    results = scheduler.map(eager(), lambda n: "one.test", work, max_queued=8)
    async with aclosing(results):
        assert [await anext(results) for _ in range(3)]
    assert closed.is_set()


async def test_empty_input_yields_nothing() -> None:
    scheduler = Scheduler(Limits())

    async def work(item: str) -> str:
        return item

    assert [r async for r in scheduler.map([], lambda item: item, work)] == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: Limits(concurrency=0),
        lambda: Limits(per_host_concurrency=0),
        lambda: Limits(per_host_interval=-1.0),
        lambda: Limits(per_host_interval=float("nan")),
        lambda: HostLimits(concurrency=0),
        lambda: HostLimits(interval=float("inf")),
    ],
)
def test_impossible_limits_are_refused(make: object) -> None:
    assert callable(make)
    with pytest.raises(ValueError):
        make()


def test_host_overrides_replace_only_what_they_set() -> None:
    limits = Limits(
        per_host_concurrency=8,
        per_host_interval=0.5,
        hosts={"Slow.Example.": HostLimits(concurrency=1), "fast.example": HostLimits(interval=0)},
    )
    scheduler = Scheduler(limits)
    slow = scheduler.policy("slow.example")
    fast = scheduler.policy("FAST.example")
    other = scheduler.policy("other.example")
    assert (slow.concurrency, slow.interval) == (1, 0.5)
    assert (fast.concurrency, fast.interval) == (8, 0.0)
    assert (other.concurrency, other.interval) == (8, 0.5)


async def test_waiting_for_a_host_interval_does_not_spin() -> None:
    """While a host waits for its interval the dispatcher sleeps until then: one timer
    per wait, not a new one on every turn of the event loop."""
    timers = 0

    async def counted_sleep(seconds: float) -> None:
        nonlocal timers
        timers += 1
        await asyncio.sleep(seconds)

    limits = Limits(concurrency=4, per_host_concurrency=4, per_host_interval=0.05)
    scheduler = Scheduler(limits, sleep=counted_sleep)

    async def work(host: str) -> str:
        async with scheduler.slot(host):
            await asyncio.sleep(0.001)  # the answer comes well before the next start
        return host

    items = ["a.test"] * 6
    results = [r async for r in scheduler.map(items, lambda host: host, work)]

    assert len(results) == 6
    assert timers <= 4 * len(items)  # spinning made thousands in the 0.25 s of intervals
