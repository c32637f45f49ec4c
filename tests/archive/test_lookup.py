"""Choosing the archived copy of a dead citation, against the fake archive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from linkcheck.types import Event, SnapshotDirection, SnapshotFound
from tests.archive.conftest import WaybackFactory
from tests.wayback import NOT_FOUND_PAGE, FakeArchive

URL = "https://news.example.org/2021/06/10/story.html"
CITED = date(2021, 6, 10)


async def test_prefers_the_latest_good_capture_before_the_citation(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20190301000000")
    archive.add(URL, "20210601093000")
    archive.add(URL, "20230101000000")
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.direction is SnapshotDirection.BEFORE
    assert snapshot.captured_at == datetime(2021, 6, 1, 9, 30, tzinfo=UTC)
    assert snapshot.archive_url == f"{archive.base_url}/web/20210601093000/{URL}"
    assert snapshot.status_code == 200
    assert snapshot.cited_at == CITED
    assert snapshot.error is None
    # one index query bounded to the citation; the later capture never asked for
    (query,) = archive.requests_to("/cdx/")
    assert query.param("to") == ["20210610235959"]
    assert query.param("filter") == ["statuscode:2.."]
    assert query.param("limit") == ["-5"]


async def test_falls_back_to_the_earliest_capture_after_the_citation(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20230101000000")
    archive.add(URL, "20210613120000")
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.direction is SnapshotDirection.AFTER
    assert snapshot.captured_at == datetime(2021, 6, 13, 12, tzinfo=UTC)
    assert snapshot.distance == timedelta(days=3, hours=12)
    _before, after = archive.requests_to("/cdx/")
    assert after.param("from") == ["20210611000000"]
    assert after.param("limit") == ["5"]


async def test_captures_of_error_pages_are_ignored(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20200101000000")
    archive.add(URL, "20210501000000", status="404", body=NOT_FOUND_PAGE)
    archive.add(URL, "20210601000000", status="301")
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.direction is SnapshotDirection.BEFORE
    assert snapshot.captured_at == datetime(2020, 1, 1, tzinfo=UTC)


async def test_a_good_capture_that_is_really_a_not_found_page_is_skipped(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20200101000000")
    archive.add(URL, "20210601000000", body=NOT_FOUND_PAGE)
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.captured_at == datetime(2020, 1, 1, tzinfo=UTC)
    raw = [seen.path for seen in archive.requests_to("/web/")]
    assert raw == [f"/web/20210601000000id_/{URL}", f"/web/20200101000000id_/{URL}"]


async def test_when_every_earlier_capture_is_a_not_found_page_a_later_one_is_taken(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20210601000000", body=NOT_FOUND_PAGE)
    archive.add(URL, "20220101000000")
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.direction is SnapshotDirection.AFTER
    assert snapshot.captured_at == datetime(2022, 1, 1, tzinfo=UTC)


async def test_tries_at_most_max_candidates_pages_per_direction(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    for day in range(1, 8):
        archive.add(URL, f"2021050{day}000000", body=NOT_FOUND_PAGE)
    async with make_wayback(max_candidates=3) as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.direction is SnapshotDirection.NONE
    assert len(archive.requests_to("/web/")) == 3


async def test_without_a_citation_date_the_newest_good_capture_is_taken(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20190101000000")
    archive.add(URL, "20220101000000")
    archive.add(URL, "20240101000000", status="404", body=NOT_FOUND_PAGE)
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, None)
    assert snapshot.direction is SnapshotDirection.UNDATED
    assert snapshot.captured_at == datetime(2022, 1, 1, tzinfo=UTC)
    assert snapshot.distance is None and snapshot.cited_at is None
    (query,) = archive.requests_to("/cdx/")
    assert query.param("to") == [] and query.param("from") == []


async def test_the_last_time_seen_alive_stands_in_for_a_missing_date(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20240301083000")
    archive.add(URL, "20240301090000")
    alive = datetime(2024, 3, 1, 8, 45, tzinfo=UTC)
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, None, last_alive=alive)
    assert snapshot.direction is SnapshotDirection.BEFORE
    assert snapshot.captured_at == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    assert snapshot.cited_at == date(2024, 3, 1)


async def test_no_capture_at_all_is_an_answer_not_an_error(
    archive: FakeArchive, make_wayback: WaybackFactory, events: list[Event]
) -> None:
    archive.add("https://other.example.org/", "20200101000000")
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.direction is SnapshotDirection.NONE
    assert snapshot.archive_url is None and not snapshot.found
    assert snapshot.error is None
    assert events == [SnapshotFound(snapshot)]


async def test_without_a_not_found_judge_no_archived_page_is_fetched(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20210601000000", body=NOT_FOUND_PAGE)
    async with make_wayback(is_not_found=None) as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.captured_at == datetime(2021, 6, 1, tzinfo=UTC)
    assert archive.requests_to("/web/") == []


async def test_latest_capture_reports_the_newest_good_capture(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20220101000000")
    archive.add(URL, "20240101000000", status="404")
    async with make_wayback() as wayback:
        assert await wayback.latest_capture(URL) == datetime(2022, 1, 1, tzinfo=UTC)
        assert await wayback.latest_capture("https://never.example.org/") is None


async def test_a_url_the_archive_excludes_has_no_snapshot(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.add(URL, "20200101000000")
    archive.excluded.add(URL)
    async with make_wayback() as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.direction is SnapshotDirection.NONE
    assert snapshot.error is None and not snapshot.found


async def test_a_url_is_due_for_saving_only_without_a_recent_capture(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    now = datetime.now(UTC)
    archive.add(URL, (now - timedelta(days=3)).strftime("%Y%m%d%H%M%S"))
    stale = "https://stale.example.org/"
    archive.add(stale, (now - timedelta(days=90)).strftime("%Y%m%d%H%M%S"))
    async with make_wayback(save_if_not_archived_within=timedelta(days=30)) as wayback:
        assert not await wayback.needs_save(URL)
        assert await wayback.needs_save(stale)
        assert await wayback.needs_save("https://never.example.org/")
