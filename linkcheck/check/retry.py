"""When to ask a failing server again, and how long to wait first (tenacity drives the loop).

The decisions are pure functions (:func:`should_retry`, :func:`parse_retry_after`,
:func:`backoff_delay`, :func:`next_wait`) with table-driven tests; :class:`Retrier`
runs the attempts with tenacity, with its sleep injected so tests never wait.
Waits happen between attempts, outside any scheduler slot: a link waiting to be
retried holds no connection and blocks no other link.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from tenacity import AsyncRetrying, RetryCallState, retry_if_result

from linkcheck.check.classify import Observation
from linkcheck.check.options import RetryPolicy
from linkcheck.headers import parse_retry_after
from linkcheck.types import ErrorKind

#: Answers that say "not now" rather than "no": request timeout, too early, rate
#: limited, server errors and gateway trouble, Cloudflare's origin errors 520–524.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
RETRY_ERRORS = frozenset({ErrorKind.TIMEOUT, ErrorKind.RESET, ErrorKind.REFUSED})

Sleep = Callable[[float], Awaitable[None]]
#: Told before each wait: the observation that failed, the attempt about to be
#: made (2 for the first retry), the wait in seconds and whether the server asked
#: for it with ``Retry-After``.
OnRetry = Callable[[Observation, int, float, bool], None]


def should_retry(
    status: int | None, error_kind: ErrorKind | None, *, challenge: bool = False
) -> bool:
    """Whether an attempt that ended like this is worth another try.

    A bot challenge is not retried: asking again only annoys the wall.
    """
    if error_kind is not None:
        return error_kind in RETRY_ERRORS
    return status in RETRY_STATUSES and not challenge


def observation_should_retry(observation: Observation) -> bool:
    return should_retry(observation.status, observation.error_kind, challenge=observation.challenge)


def backoff_delay(retry_number: int, policy: RetryPolicy, spread: float) -> float:
    """Exponential backoff before retry number ``retry_number`` (1 for the first retry).

    ``spread`` in [0, 1) picks the jitter, so callers choose the randomness.
    """
    exponential: float = policy.backoff_base * 2.0 ** (retry_number - 1)
    return min(policy.backoff_max, exponential) + policy.jitter * spread


def next_wait(
    observation: Observation, retry_number: int, policy: RetryPolicy, now: datetime, spread: float
) -> tuple[float | None, bool]:
    """How long to wait before retry ``retry_number``, and whether the server asked for it.

    The wait is ``None`` when the server demands more than ``policy.retry_after_cap``:
    we stop rather than knock again before we were told to.
    """
    asked = parse_retry_after(observation.retry_after, now)
    if asked is None:
        return backoff_delay(retry_number, policy, spread), False
    if asked > policy.retry_after_cap:
        return None, True
    return asked, True


class Retrier:
    """Runs one link's attempts under a :class:`RetryPolicy`.

    One instance serves the whole run; each :meth:`run` gets its own tenacity
    controller (tenacity keeps per-call state on the controller).  The first
    attempt runs without tenacity: most links answer at once, and this keeps
    their path short.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
    ) -> None:
        self._policy = policy
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()

    async def run(
        self, attempt: Callable[[], Awaitable[Observation]], on_retry: OnRetry | None = None
    ) -> tuple[Observation, int]:
        """The last observation and the number of attempts made."""
        first = await attempt()
        if self._policy.max_attempts <= 1 or not observation_should_retry(first):
            return first, 1
        return await self._retry(first, attempt, on_retry)

    async def _retry(
        self,
        first: Observation,
        attempt: Callable[[], Awaitable[Observation]],
        on_retry: OnRetry | None,
    ) -> tuple[Observation, int]:
        replay = [first]  # tenacity's first call hands back the attempt already made
        calls = 0
        plans: dict[int, tuple[float | None, bool]] = {}

        async def observe() -> Observation:
            nonlocal calls
            calls += 1
            return replay.pop() if replay else await attempt()

        def plan(state: RetryCallState) -> tuple[float | None, bool]:
            # Decided once per attempt, then shared by stop, wait and before_sleep.
            number = state.attempt_number
            if number not in plans:
                plans[number] = self._plan(_result(state), number)
            return plans[number]

        def stop(state: RetryCallState) -> bool:
            return state.attempt_number >= self._policy.max_attempts or plan(state)[0] is None

        def wait(state: RetryCallState) -> float:
            return plan(state)[0] or 0.0

        def before_sleep(state: RetryCallState) -> None:
            if on_retry is not None:
                seconds, asked = plan(state)
                on_retry(_result(state), state.attempt_number + 1, seconds or 0.0, asked)

        controller = AsyncRetrying(
            sleep=self._sleep,
            stop=stop,
            wait=wait,
            retry=retry_if_result(observation_should_retry),
            before_sleep=before_sleep,
            retry_error_callback=_result,
        )
        observation: Observation = await controller(observe)
        return observation, calls

    def _plan(self, observation: Observation, retry_number: int) -> tuple[float | None, bool]:
        return next_wait(observation, retry_number, self._policy, self._now(), self._rng.random())


def _result(state: RetryCallState) -> Observation:
    assert state.outcome is not None  # tenacity consults us only after an attempt
    observation: Observation = state.outcome.result()
    return observation
