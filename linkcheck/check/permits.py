"""A counting semaphore whose free permits can also be taken without awaiting.

``asyncio.Semaphore`` hands out permits only through a coroutine.  The scheduler
takes two permits for every request (its host's and a global one) and nearly
always finds both free; :meth:`Permits.try_take` lets it do so with two plain
calls.  Waiters are served first come, first served: a permit given back while
someone waits goes straight to the longest waiter, so :meth:`try_take` can never
jump the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class Permits:
    """``count`` permits: taken with :meth:`try_take` or :meth:`take`, back with :meth:`give`."""

    __slots__ = ("_free", "_waiters")

    def __init__(self, count: int) -> None:
        self._free = count
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_take(self) -> bool:
        """Take a permit if one is free and nobody waits for one."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        return False

    async def take(self) -> None:
        """Take a permit, waiting in line for one if needed."""
        if self.try_take():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.cancelled():
                self._forget(waiter)  # a stale waiter would block try_take for good
            else:
                self.give()  # handed a permit just as we were cancelled: pass it on
            raise

    def give(self) -> None:
        """Return a permit: to the longest waiter if there is one, else to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    def _forget(self, waiter: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):  # give() may have dropped it already
            self._waiters.remove(waiter)
