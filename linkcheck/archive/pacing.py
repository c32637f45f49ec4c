"""One pacer for every request to the archive.

The archive counts requests per client address, whatever the endpoint, and
firewalls clients that keep calling after 429s; so every archive request waits
its turn here, and a 429 pushes every later turn back.  The clock and the
sleep are injected so tests can run the pacing on a fake clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Spaces turns at least ``1 / rate`` seconds apart, first come first served."""

    def __init__(self, rate: float, *, clock: Clock, sleep: Sleep) -> None:
        if rate <= 0:
            raise ValueError("the archive request rate must be positive")
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next_turn = float("-inf")
        # asyncio.Lock wakes waiters in FIFO order, so turns are granted fairly.
        self._lock = asyncio.Lock()

    async def turn(self) -> None:
        """Wait until this caller may send one request."""
        async with self._lock:
            wait = self._next_turn - self._clock()
            if wait > 0:
                await self._sleep(wait)
            self._next_turn = max(self._clock(), self._next_turn) + self._interval

    def hold_off(self, seconds: float) -> None:
        """Grant no turn for ``seconds`` from now (after a 429 or Retry-After)."""
        self._next_turn = max(self._next_turn, self._clock() + seconds)
