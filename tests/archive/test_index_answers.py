"""Answers from the capture index that are not a capture list: too big, HTML, a stray 404.

Each must come back as an archive failure (``Snapshot.error``), never as "no
copy": a failure is asked again next run, "no copy" is stored for good.
"""

from __future__ import annotations

from datetime import date

import pytest

from linkcheck.archive.wayback import GAVE_UP, _decode
from linkcheck.types import Event, Notice, Snapshot, SnapshotDirection
from tests.archive.conftest import WaybackFactory
from tests.wayback import PYWB_NO_CAPTURES, CannedAnswer, FakeArchive

URL = "https://news.example.org/story"
CITED = date(2021, 6, 10)
CAP = 4096


def capture_lines(archive: FakeArchive, total_bytes: int) -> str:
    """Well-formed CDX lines for ``URL``, repeated to about ``total_bytes``."""
    line = archive.add(URL, "20200101000000").cdx_line() + "\n"
    return line * (total_bytes // len(line) + 1)


async def test_an_index_answer_over_the_cap_is_an_archive_failure(
    archive: FakeArchive, make_wayback: WaybackFactory, events: list[Event]
) -> None:
    archive.index_answer = CannedAnswer(body=capture_lines(archive, CAP + 100))
    async with make_wayback(max_index_bytes=CAP) as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.error == "the archive's answer exceeded 4 KiB"
    assert snapshot.direction is SnapshotDirection.NONE and not snapshot.found
    assert any(isinstance(e, Notice) and "exceeded 4 KiB" in e.message for e in events)


async def test_an_index_answer_within_the_cap_is_read_whole(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.index_answer = CannedAnswer(body=capture_lines(archive, CAP - 300))
    async with make_wayback(max_index_bytes=CAP) as wayback:
        snapshot = await wayback.lookup(URL, CITED)
    assert snapshot.error is None and snapshot.found


@pytest.mark.parametrize(
    "answer",
    [
        CannedAnswer(200, "<html><body>Service unavailable</body></html>", "text/html"),
        CannedAnswer(200, "<!doctype html>\n<title>Wayback Machine</title>\n<p>Hi</p>\n"),
        CannedAnswer(200, "Service unavailable\n"),
        CannedAnswer(404, "<html><body>Not found</body></html>", "text/html"),
        CannedAnswer(404, "Not Found"),
    ],
    ids=["html", "html-as-text", "short-text", "404-html", "404-text"],
)
async def test_an_answer_that_is_not_a_capture_index_is_an_archive_failure(
    answer: CannedAnswer, archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    snapshot = await _look_up_answered_by(answer, archive, make_wayback)
    assert snapshot.error is not None
    assert "not a capture index" in snapshot.error
    assert not snapshot.found


@pytest.mark.parametrize(
    "answer",
    [PYWB_NO_CAPTURES, CannedAnswer(200, "")],
    ids=["pywb-404-no-captures", "empty-capture-list"],
)
async def test_an_index_that_holds_no_capture_means_no_copy(
    answer: CannedAnswer, archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    snapshot = await _look_up_answered_by(answer, archive, make_wayback)
    assert snapshot.error is None
    assert snapshot.direction is SnapshotDirection.NONE


async def _look_up_answered_by(
    answer: CannedAnswer, archive: FakeArchive, make_wayback: WaybackFactory
) -> Snapshot:
    archive.index_answer = answer
    async with make_wayback() as wayback:
        return await wayback.lookup(URL, CITED)


async def test_a_wrong_archive_address_stops_archive_calls_for_the_run(
    archive: FakeArchive, make_wayback: WaybackFactory
) -> None:
    archive.index_answer = CannedAnswer(200, "<html>Welcome</html>", "text/html")
    async with make_wayback(give_up_after_failures=2) as wayback:
        results = [await wayback.lookup(f"{URL}/{n}", CITED) for n in range(3)]
    assert all(r.error is not None for r in results)
    assert results[2].error is not None and results[2].error.startswith(GAVE_UP)
    assert len(archive.requests_to("/cdx/")) == 2


@pytest.mark.parametrize("charset", ["undefined", "idna", "no-such-codec"])
def test_an_answer_in_a_charset_that_cannot_decode_is_read_as_utf8(charset: str) -> None:
    # The fake archive cannot serve such an answer (aiohttp refuses to encode it),
    # so the decoder the index and page readers share is asked directly.
    assert _decode("caf\u00e9 20200101000000".encode(), charset) == "caf\u00e9 20200101000000"
