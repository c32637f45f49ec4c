"""The read timeout: a request that receives nothing for that long ends, well before the total
timeout; one whose body keeps arriving does not; a cancellation from outside stays one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from linkcheck.check.options import RetryPolicy
from linkcheck.check.stalls import StallWatch
from linkcheck.types import CheckResult, ErrorKind, Verdict
from tests.check.conftest import MakeChecker

#: Reads stall after 0.2 s; the total timeout is far away: only the read timeout can end
#: a stalled check within the test's bound.
STALLING = {"read_timeout": 0.2, "total_timeout": 60.0, "retry": RetryPolicy(max_attempts=1)}
#: Far below the total timeout, far above the read timeout even on a busy machine.
BOUND_SECONDS = 20.0
TITLE = b"<title>Slow but steady</title>"

T = TypeVar("T")
AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def stalling_web(aiohttp_server: AiohttpServer) -> AsyncIterator[TestServer]:
    """``/silent`` never answers, ``/half`` sends half a page and stalls, ``/steady`` sends
    its page one byte at a time, well within the read timeout.  Stalls last until the test
    ends (then the handlers return, so the server closes at once)."""
    done = asyncio.Event()

    async def silent(request: web.Request) -> web.StreamResponse:
        await done.wait()
        return web.Response(text="too late")

    async def half(request: web.Request) -> web.StreamResponse:
        response = await _start_page(request, 1000)
        await response.write(b"<html><head><title>Half a page</title></head><body>")
        await done.wait()
        return response

    async def steady(request: web.Request) -> web.StreamResponse:
        response = await _start_page(request, len(TITLE))
        for byte in TITLE:
            await response.write(bytes([byte]))
            await asyncio.sleep(0.02)
        return response

    app = web.Application()
    app.router.add_get("/silent", silent)
    app.router.add_get("/half", half)
    app.router.add_get("/steady", steady)
    server = await aiohttp_server(app)
    yield server
    done.set()


async def _start_page(request: web.Request, length: int) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    response.content_length = length
    await response.prepare(request)
    return response


async def check(make_checker: MakeChecker, url: str) -> CheckResult:
    async with make_checker(**STALLING) as checker:
        return await within_bound(checker.check(url))


async def within_bound(work: Awaitable[T]) -> T:
    """The result of ``work``, which must end by itself within the bound (not be cut off)."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=BOUND_SECONDS)
    if not done:
        task.cancel()
        pytest.fail(f"still running after {BOUND_SECONDS} s")
    return task.result()


async def test_a_server_that_never_answers_times_out_at_the_read_timeout(
    stalling_web: TestServer, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, str(stalling_web.make_url("/silent")))
    assert (result.verdict, result.error_kind, result.status_code) == (
        Verdict.ERROR,
        ErrorKind.TIMEOUT,
        None,
    )
    assert result.hops == ()


async def test_a_stalled_body_ends_the_check_and_keeps_what_arrived(
    stalling_web: TestServer, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, str(stalling_web.make_url("/half")))
    assert (result.verdict, result.status_code, result.title) == (Verdict.ALIVE, 200, "Half a page")


async def test_a_body_that_keeps_arriving_is_read_to_its_end(
    stalling_web: TestServer, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, str(stalling_web.make_url("/steady")))
    assert (result.verdict, result.title) == (Verdict.ALIVE, "Slow but steady")


async def test_a_watched_request_that_receives_nothing_raises_timeout_error() -> None:
    stalls = StallWatch(0.05)

    async def request() -> None:
        with stalls.watch():
            await asyncio.sleep(BOUND_SECONDS)

    with pytest.raises(TimeoutError):
        await within_bound(request())
    assert not stalls.watching


async def test_a_cancellation_from_outside_is_not_turned_into_a_timeout() -> None:
    stalls = StallWatch(60.0)
    entered = asyncio.Event()

    async def request() -> None:
        with stalls.watch():
            entered.set()
            await asyncio.sleep(BOUND_SECONDS)

    task = asyncio.ensure_future(request())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not stalls.watching
