"""The retry policy: what is retried, how long we wait, and the attempt loop."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from linkcheck.check.classify import Observation
from linkcheck.check.options import RetryPolicy
from linkcheck.check.retry import (
    Retrier,
    backoff_delay,
    next_wait,
    parse_retry_after,
    should_retry,
)
from linkcheck.types import ErrorKind, Hop

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
URL = "http://example.com/a"


@pytest.mark.parametrize(
    ("status", "kind", "challenge", "retry"),
    [
        *[
            (code, None, False, True)
            for code in (408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524)
        ],
        *[
            (code, None, False, False)
            for code in (200, 301, 400, 401, 403, 404, 410, 451, 501, 505, 999)
        ],
        (503, None, True, False),  # a bot wall: asking again only annoys it
        (None, ErrorKind.TIMEOUT, False, True),
        (None, ErrorKind.RESET, False, True),
        (None, ErrorKind.REFUSED, False, True),
        *[
            (None, kind, False, False)
            for kind in (
                ErrorKind.DNS,
                ErrorKind.TLS,
                ErrorKind.PROTOCOL,
                ErrorKind.REDIRECT_LOOP,
                ErrorKind.TOO_MANY_REDIRECTS,
                ErrorKind.INVALID_URL,
                ErrorKind.PRIVATE_ADDRESS,
            )
        ],
    ],
)
def test_should_retry(
    status: int | None, kind: ErrorKind | None, challenge: bool, retry: bool
) -> None:
    assert should_retry(status, kind, challenge=challenge) is retry


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        (" 7 ", 7.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Wed, 10 Jun 2025 11:00:00 GMT", 0.0),  # in the past: now
        ("soon", None),
        ("-5", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=5.0, jitter=0.5)
    assert [backoff_delay(n, policy, 0.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert backoff_delay(1, policy, 0.5) == 1.25


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    policy = RetryPolicy(retry_after_cap=60.0)
    limited = Observation(url=URL, hops=(Hop(URL, 429),), retry_after="30")
    assert next_wait(limited, 1, policy, NOW, 0.0) == (30.0, True)
    too_long = Observation(url=URL, hops=(Hop(URL, 429),), retry_after="3600")
    assert next_wait(too_long, 1, policy, NOW, 0.0) == (None, True)
    plain = Observation(url=URL, hops=(Hop(URL, 503),))
    assert next_wait(plain, 2, policy, NOW, 0.0) == (2.0, False)


class Script:
    """Answers attempts with a fixed list of statuses and records the sleeps asked for."""

    def __init__(self, *statuses: int, retry_after: str | None = None) -> None:
        self._statuses: Iterator[int] = iter(statuses)
        self._retry_after = retry_after
        self.sleeps: list[float] = []
        self.calls = 0

    async def attempt(self) -> Observation:
        self.calls += 1
        status = next(self._statuses)
        return Observation(url=URL, hops=(Hop(URL, status),), retry_after=self._retry_after)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


POLICY = RetryPolicy(max_attempts=4, backoff_base=1.0, backoff_max=30.0, jitter=0.0)


async def test_a_page_that_fails_once_then_answers_is_taken_on_the_second_attempt() -> None:
    script = Script(503, 200)
    observation, attempts = await Retrier(POLICY, sleep=script.sleep).run(script.attempt)
    assert (observation.status, attempts, script.calls) == (200, 2, 2)
    assert script.sleeps == [1.0]


async def test_retries_stop_after_max_attempts_with_the_last_answer() -> None:
    script = Script(503, 502, 504, 500, 200)
    events: list[tuple[int, float, bool]] = []
    observation, attempts = await Retrier(POLICY, sleep=script.sleep).run(
        script.attempt, lambda failed, n, wait, asked: events.append((n, wait, asked))
    )
    assert (observation.status, attempts) == (500, 4)
    assert script.sleeps == [1.0, 2.0, 4.0]
    assert events == [(2, 1.0, False), (3, 2.0, False), (4, 4.0, False)]


async def test_a_final_answer_is_not_retried() -> None:
    script = Script(404)
    observation, attempts = await Retrier(POLICY, sleep=script.sleep).run(script.attempt)
    assert (observation.status, attempts, script.sleeps) == (404, 1, [])


async def test_retry_after_sets_the_wait() -> None:
    script = Script(429, 200, retry_after="7")
    _, attempts = await Retrier(POLICY, sleep=script.sleep).run(script.attempt)
    assert (attempts, script.sleeps) == (2, [7.0])


async def test_retry_after_beyond_the_cap_ends_the_retries() -> None:
    script = Script(429, 200, retry_after="86400")
    observation, attempts = await Retrier(POLICY, sleep=script.sleep).run(script.attempt)
    assert (observation.status, attempts, script.sleeps) == (429, 1, [])


async def test_one_attempt_policy_never_retries() -> None:
    script = Script(503, 200)
    retrier = Retrier(RetryPolicy(max_attempts=1), sleep=script.sleep)
    observation, attempts = await retrier.run(script.attempt)
    assert (observation.status, attempts) == (503, 1)
