"""The scheduler's permits: taken without waiting when free, served in order, never lost."""

from __future__ import annotations

import asyncio

from linkcheck.check.permits import Permits


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_free_permits_are_taken_at_once_and_counted() -> None:
    permits = Permits(2)
    assert permits.try_take()
    assert permits.try_take()
    assert not permits.try_take()
    permits.give()
    assert permits.try_take()


async def test_waiters_are_served_in_order_and_nobody_jumps_the_queue() -> None:
    permits = Permits(1)
    assert permits.try_take()
    served: list[str] = []

    async def wait(name: str) -> None:
        await permits.take()
        served.append(name)

    first = asyncio.ensure_future(wait("first"))
    second = asyncio.ensure_future(wait("second"))
    await _settle()
    permits.give()  # handed to "first", not left in the pool
    assert not permits.try_take()
    await _settle()
    assert served == ["first"]
    permits.give()
    await _settle()
    assert served == ["first", "second"]
    await asyncio.gather(first, second)


async def test_a_cancelled_waiter_leaves_the_line() -> None:
    permits = Permits(1)
    assert permits.try_take()
    waiting = asyncio.ensure_future(permits.take())
    await _settle()
    waiting.cancel()
    await _settle()
    permits.give()
    assert permits.try_take()  # the permit is free again, not promised to the cancelled waiter


async def test_a_permit_handed_to_a_waiter_cancelled_at_that_moment_is_passed_on() -> None:
    permits = Permits(1)
    assert permits.try_take()
    doomed = asyncio.ensure_future(permits.take())
    patient = asyncio.ensure_future(permits.take())
    await _settle()
    permits.give()  # "doomed" is handed the permit ...
    doomed.cancel()  # ... and cancelled before it can run
    await _settle()
    assert doomed.cancelled()
    assert patient.done()  # the permit went on to the next waiter
    assert not permits.try_take()
    permits.give()
    assert permits.try_take()
