"""The snapshot choice rules, table-driven on plain values (no HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from linkcheck.archive.choose import (
    Capture,
    CitationPoint,
    format_timestamp,
    parse_timestamp,
    rank_candidates,
)
from linkcheck.types import SnapshotDirection as D

URL = "https://example.com/story"


def cap(timestamp: str, status: str = "200") -> Capture:
    return Capture(timestamp, URL, status)


def ranked(
    captures: list[Capture], point: CitationPoint | None, limit: int = 5
) -> list[tuple[str, D]]:
    return [(c.capture.timestamp, c.direction) for c in rank_candidates(captures, point, limit)]


CITED = CitationPoint.from_inputs(date(2021, 6, 10), None)


@pytest.mark.parametrize(
    ("captures", "expected"),
    [
        # the latest capture at or before the citation comes first, then older ones
        (
            [cap("20200101000000"), cap("20210501000000"), cap("20220101000000")],
            [
                ("20210501000000", D.BEFORE),
                ("20200101000000", D.BEFORE),
                ("20220101000000", D.AFTER),
            ],
        ),
        # a capture later on the cited day itself still counts as "before"
        (
            [cap("20210610235959"), cap("20210611000000")],
            [("20210610235959", D.BEFORE), ("20210611000000", D.AFTER)],
        ),
        # nothing before: the earliest capture after comes first
        (
            [cap("20230101000000"), cap("20220101000000")],
            [("20220101000000", D.AFTER), ("20230101000000", D.AFTER)],
        ),
        # 404s, redirects and "-" records never stand for the page
        (
            [
                cap("20210601000000", "404"),
                cap("20210602000000", "301"),
                cap("20210603000000", "-"),
                cap("20200101000000"),
            ],
            [("20200101000000", D.BEFORE)],
        ),
        ([cap("20210601000000", "404")], []),
        ([], []),
    ],
)
def test_rank_with_a_citation_date(captures: list[Capture], expected: list[tuple[str, D]]) -> None:
    assert ranked(captures, CITED) == expected


def test_without_a_citation_date_the_newest_good_capture_comes_first() -> None:
    captures = [cap("20200101000000"), cap("20240101000000", "404"), cap("20220101000000")]
    assert ranked(captures, None) == [("20220101000000", D.UNDATED), ("20200101000000", D.UNDATED)]


def test_limit_applies_per_direction() -> None:
    before = [cap(f"2021010{i}000000") for i in range(1, 8)]
    after = [cap(f"2022010{i}000000") for i in range(1, 8)]
    result = ranked(before + after, CITED, limit=2)
    assert result == [
        ("20210107000000", D.BEFORE),
        ("20210106000000", D.BEFORE),
        ("20220101000000", D.AFTER),
        ("20220102000000", D.AFTER),
    ]


def test_distance_is_how_far_the_capture_lies_from_the_cited_day() -> None:
    after = rank_candidates([cap("20210613120000")], CITED, 5)[0]
    before = rank_candidates([cap("20210609000000")], CITED, 5)[0]
    assert after.distance == timedelta(days=3, hours=12)
    assert before.distance == timedelta(days=1)


def test_the_document_date_wins_over_the_last_time_seen_alive() -> None:
    alive = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    point = CitationPoint.from_inputs(date(2021, 6, 10), alive)
    assert point is not None and point.cited_on == date(2021, 6, 10)


def test_last_seen_alive_is_an_exact_cutoff() -> None:
    point = CitationPoint.from_inputs(None, datetime(2024, 3, 1, 8, 30, 15, 999, tzinfo=UTC))
    assert point is not None
    assert format_timestamp(point.cutoff) == "20240301083015"
    assert format_timestamp(point.first_after) == "20240301083016"
    assert ranked([cap("20240301083015"), cap("20240301083016")], point) == [
        ("20240301083015", D.BEFORE),
        ("20240301083016", D.AFTER),
    ]


def test_no_date_at_all_means_no_citation_point() -> None:
    assert CitationPoint.from_inputs(None, None) is None


def test_timestamps_round_trip_in_utc() -> None:
    moment = parse_timestamp("20210610123456")
    assert moment == datetime(2021, 6, 10, 12, 34, 56, tzinfo=UTC)
    assert format_timestamp(moment) == "20210610123456"
