"""Save Page Now 2 against the fake archive: polling, every error class, credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linkcheck.archive.options import ArchiveOptions
from linkcheck.archive.wayback import Wayback
from linkcheck.errors import ArchiveError
from linkcheck.types import Event, SaveFinished, SaveStatus
from tests.archive.conftest import WaybackFactory
from tests.wayback import SECRET_KEY, FakeArchive, FakeClock, SaveScript

URL = "https://live.example.org/report"


async def test_a_save_is_submitted_and_polled_until_it_succeeds(
    archive: FakeArchive, make_wayback: WaybackFactory, events: list[Event]
) -> None:
    archive.saves[URL] = SaveScript(pending_polls=2, timestamp="20250601120000")
    async with make_wayback(save_if_not_archived_within=timedelta(days=30)) as wayback:
        outcome = await wayback.save(URL)
    assert outcome.status is SaveStatus.SUCCESS
    assert outcome.captured_at == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert outcome.archive_url == f"{archive.base_url}/web/20250601120000/{URL}"
    assert outcome.job_id in archive.jobs
    submit, *polls = archive.seen
    assert (submit.method, submit.path) == ("POST", "/save")
    assert submit.form_value("url") == URL
    assert submit.form_value("if_not_archived_within") == str(30 * 24 * 3600)
    assert [p.path for p in polls] == [f"/save/status/{outcome.job_id}"] * 3
    assert events == [SaveFinished(outcome)]


@pytest.mark.parametrize(
    ("status_ext", "expected"),
    [
        ("error:too-many-daily-captures", SaveStatus.CAPTURED_TODAY),
        ("error:user-session-limit", SaveStatus.RETRY_LATER),
        ("error:blocked-url", SaveStatus.REFUSED),
        ("error:invalid-host-resolution", SaveStatus.ERROR),
    ],
)
@pytest.mark.parametrize("where", ["submit", "status"])
async def test_each_error_class_is_recorded(
    archive: FakeArchive,
    make_wayback: WaybackFactory,
    status_ext: str,
    expected: SaveStatus,
    where: str,
) -> None:
    if where == "submit":  # refused at once: HTTP 200 with a JSON error
        archive.saves[URL] = SaveScript(submit="error", status_ext=status_ext, message="nope")
    else:  # accepted, then failed while we polled
        archive.saves[URL] = SaveScript(final="error", status_ext=status_ext, message="nope")
    async with make_wayback() as wayback:
        outcome = await wayback.save(URL)
    assert outcome.status is expected
    assert outcome.status_ext == status_ext
    assert outcome.error == "nope"
    assert (outcome.job_id is None) == (where == "submit")
    if where == "submit":
        assert [s.path for s in archive.seen] == ["/save"]


async def test_a_429_at_submit_means_retry_later(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.saves[URL] = SaveScript(submit="429")
    async with make_wayback() as wayback:
        outcome = await wayback.save(URL)
    assert outcome.status is SaveStatus.RETRY_LATER
    assert outcome.error is not None and "429" in outcome.error
    assert len(archive.seen) == 1


async def test_a_job_still_running_at_the_poll_timeout_is_pending(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.saves[URL] = SaveScript(pending_polls=100)
    async with make_wayback(save_poll_interval=5, save_poll_timeout=20) as wayback:
        outcome = await wayback.save(URL)
    assert outcome.status is SaveStatus.PENDING
    assert outcome.job_id is not None
    assert len(archive.requests_to("/save/status/")) == 4


async def test_the_daily_cap_stops_further_saves(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    async with make_wayback(save_daily_cap=1) as wayback:
        first = await wayback.save(URL)
        second = await wayback.save(f"{URL}/2")
    assert first.status is SaveStatus.SUCCESS
    assert second.status is SaveStatus.RETRY_LATER
    assert second.error is not None and "cap of 1" in second.error
    assert [s.form_value("url") for s in archive.seen if s.method == "POST"] == [URL]


async def test_saves_of_earlier_runs_count_against_the_cap(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    async with make_wayback(save_daily_cap=2, saves_already_taken_up=2) as wayback:
        outcome = await wayback.save(URL)
    assert outcome.status is SaveStatus.RETRY_LATER
    assert outcome.error is not None and "cap of 2 saves in 24 hours" in outcome.error
    assert not [s for s in archive.seen if s.method == "POST"]


async def test_a_save_the_archive_did_not_take_up_leaves_the_cap_alone(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.saves[URL] = SaveScript(submit="429")
    async with make_wayback(save_daily_cap=1) as wayback:
        refused = await wayback.save(URL)
        second = await wayback.save(f"{URL}/2")
    assert refused.status is SaveStatus.RETRY_LATER
    assert second.status is SaveStatus.SUCCESS  # the 429 used none of the cap


async def test_saving_without_credentials_says_what_is_needed(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    async with make_wayback(access_key=None, secret_key=None) as wayback:
        with pytest.raises(ArchiveError) as raised:
            await wayback.save(URL)
    message = str(raised.value)
    assert "LINKCHECK_WAYBACK_ACCESS_KEY" in message
    assert "LINKCHECK_WAYBACK_SECRET_KEY" in message
    assert archive.seen == []


async def test_credentials_never_show_in_reprs_events_or_outcomes(
    archive: FakeArchive, clock: FakeClock
) -> None:
    archive.saves[URL] = SaveScript(submit="error", status_ext="error:blocked-url")
    events: list[Event] = []
    options = ArchiveOptions(
        base_url=archive.base_url, access_key="wrong-key", secret_key=SECRET_KEY
    )
    async with Wayback(options, on_event=events.append, clock=clock, sleep=clock.sleep) as wb:
        refused = await wb.save(URL)  # wrong key: the fake answers 401
        await archive.go_down()
        unreachable = await wb.save(URL)
        failed_lookup = await wb.lookup(URL, None)
    assert refused.status is SaveStatus.ERROR
    assert refused.error is not None and "refused the credentials" in refused.error
    assert unreachable.status is SaveStatus.ERROR
    shown = " ".join(repr(x) for x in [options, refused, unreachable, failed_lookup, *events])
    assert SECRET_KEY not in shown
    assert "wrong-key" not in shown
