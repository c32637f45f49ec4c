"""An archive that is down, hanging or rate limiting: bounded time, errors as data, pacing."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date

from linkcheck.archive.options import ArchiveOptions
from linkcheck.archive.wayback import GAVE_UP, Wayback
from linkcheck.types import Event, Notice, RetryScheduled, SaveStatus, SnapshotDirection
from tests.archive.conftest import WaybackFactory
from tests.wayback import FakeArchive

URL = "https://news.example.org/story"
CITED = date(2021, 6, 10)


async def test_an_archive_that_refuses_connections_gives_error_snapshots_then_short_circuits(
    archive: FakeArchive, make_wayback: WaybackFactory, events: list[Event]
) -> None:
    await archive.go_down()
    async with make_wayback(give_up_after_failures=2) as wayback:
        first = await wayback.lookup(URL, CITED)
        second = await wayback.lookup(URL, CITED)
        third = await wayback.lookup(URL, CITED)
    assert first.direction is SnapshotDirection.NONE
    assert first.error is not None and "cannot reach the archive" in first.error
    assert second.error is not None and "cannot reach the archive" in second.error
    assert third.error is not None and third.error.startswith(GAVE_UP)
    assert wayback.gave_up is not None
    assert any(isinstance(e, Notice) and e.message.startswith(GAVE_UP) for e in events)


async def test_a_hanging_capture_index_times_out_and_later_calls_are_not_sent(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.hanging = True
    async with make_wayback(call_timeout=0.3, give_up_after_failures=2, max_workers=1) as wayback:
        results = [await wayback.lookup(URL, CITED) for _ in range(4)]
    assert [r.error for r in results[:2]] == ["the archive did not answer in time"] * 2
    assert all(r.error is not None and r.error.startswith(GAVE_UP) for r in results[2:])
    assert len(archive.seen) == 2


async def test_a_hanging_archived_page_times_out(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20200101000000")
    archive.hanging, archive.hang_prefix = True, "/web/"
    async with make_wayback(call_timeout=0.3) as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.error == "the archive did not answer in time"
    assert not snapshot.found


async def test_sustained_429s_stop_all_archive_calls_for_the_run(
    archive: FakeArchive, make_wayback: WaybackFactory, events: list[Event]
) -> None:
    archive.always_429 = True
    async with make_wayback(give_up_after_429s=3) as wayback:
        first = await wayback.lookup(URL, CITED)
        asked = len(archive.seen)
        later = await wayback.lookup("https://other.example.org/", None)
        saved = await wayback.save(URL)
    assert asked == 3
    assert len(archive.seen) == asked  # nothing sent after giving up
    assert first.error is not None and first.error.startswith(GAVE_UP)
    assert "429" in first.error
    assert later.error is not None and later.error.startswith(GAVE_UP)
    assert saved.status is SaveStatus.RETRY_LATER
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert [r.wait_seconds for r in retries] == [1.0, 1.0]


async def test_retry_after_is_honoured_before_asking_again(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20200101000000")
    archive.answer_429, archive.retry_after = 1, "7"
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.found
    limited, retried = archive.requests_to("/cdx/")
    assert retried.at - limited.at >= 7


async def test_every_archive_request_waits_its_turn(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    for n in range(3):
        archive.add(f"{URL}/{n}", "20200101000000")
    async with make_wayback(cdx_rate=0.5) as wayback:
        # One after the other, so only the pacer moves the fake clock between requests.
        for n in range(3):
            await wayback.lookup(f"{URL}/{n}", CITED)
    times = [seen.at for seen in archive.seen]
    assert len(times) == 6  # an index query and a raw page per look-up
    assert all(b - a >= 2.0 for a, b in itertools.pairwise(times))


async def test_requests_per_second_at_the_archive_stay_within_the_rate(
    archive: FakeArchive,
) -> None:
    # Real time here: the fake archive stamps arrivals with the real monotonic clock.
    archive.clock = asyncio.get_running_loop().time
    rate = 10.0
    options = ArchiveOptions(base_url=archive.base_url, cdx_rate=rate, call_timeout=5)
    async with Wayback(options) as wayback:
        await asyncio.gather(*(wayback.lookup(f"{URL}/{n}", None) for n in range(13)))
    times = sorted(seen.at for seen in archive.seen)
    assert len(times) == 13
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= rate + 1  # +1: a window may hold both ends of ten intervals
