"""The pacer and the run's verdict on the archive, on a fake clock."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from linkcheck.archive.options import ArchiveOptions
from linkcheck.archive.pacing import Pacer
from linkcheck.archive.wayback import ArchiveHealth, GaveUp, TimedOut
from linkcheck.headers import parse_retry_after
from tests.wayback import FakeClock


async def turns(pacer: Pacer, clock: FakeClock, n: int) -> list[float]:
    times: list[float] = []

    async def one() -> None:
        await pacer.turn()
        times.append(clock())

    await asyncio.gather(*(one() for _ in range(n)))
    return times


async def test_turns_are_spaced_by_the_rate(clock: FakeClock) -> None:
    times = await turns(Pacer(0.5, clock=clock, sleep=clock.sleep), clock, 4)
    assert [b - a for a, b in itertools.pairwise(times)] == [2.0, 2.0, 2.0]


async def test_a_turn_after_a_quiet_spell_is_granted_at_once(clock: FakeClock) -> None:
    pacer = Pacer(0.5, clock=clock, sleep=clock.sleep)
    await pacer.turn()
    clock.now += 10
    await pacer.turn()
    assert clock.slept == []


async def test_hold_off_pushes_every_later_turn_back(clock: FakeClock) -> None:
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    await pacer.turn()
    start = clock()
    pacer.hold_off(30)
    await pacer.turn()
    assert clock() - start == pytest.approx(30)


def test_a_rate_must_be_positive(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0, clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, None), ("", None), ("7", 7.0), (" 120 ", 120.0), ("soon", None)],
)
def test_retry_after_in_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, datetime.now(UTC)) == expected


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=90)
    seconds = parse_retry_after(format_datetime(when, usegmt=True), datetime.now(UTC))
    assert seconds is not None and 80 <= seconds <= 90


def test_sustained_429s_give_up_for_the_run() -> None:
    health = ArchiveHealth(ArchiveOptions(give_up_after_429s=3))
    assert health.rate_limited(5.0) == 5.0
    assert health.rate_limited(None) == 120.0  # no Retry-After: 60 s doubled
    with pytest.raises(GaveUp, match="3 rate-limit answers"):
        health.rate_limited(5.0)
    with pytest.raises(GaveUp, match="unavailable for the rest of this run"):
        health.check()


def test_an_answer_between_429s_resets_the_count() -> None:
    health = ArchiveHealth(ArchiveOptions(give_up_after_429s=2))
    health.rate_limited(1.0)
    health.answered()
    health.rate_limited(1.0)
    health.check()
    assert health.gave_up is None


def test_a_retry_after_too_long_to_wait_gives_up() -> None:
    health = ArchiveHealth(ArchiveOptions(max_retry_after=60))
    with pytest.raises(GaveUp, match="3600"):
        health.rate_limited(3600.0)


def test_repeated_failures_give_up() -> None:
    health = ArchiveHealth(ArchiveOptions(give_up_after_failures=2))
    health.failed(TimedOut("slow"))
    with pytest.raises(GaveUp, match="2 failures in a row"):
        health.failed(TimedOut("slow"))
