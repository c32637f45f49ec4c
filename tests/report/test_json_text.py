"""The JSON report writes each link's text itself: it must be what ``json`` would write."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from linkcheck.report import render
from linkcheck.report.json_report import link_text
from linkcheck.report.model import ReportOptions
from linkcheck.types import (
    CheckResult,
    CitationRef,
    ErrorKind,
    Hop,
    LinkRow,
    LinkState,
    Role,
    Snapshot,
    SnapshotDirection,
    Verdict,
)
from tests.report.sample import sample_data, sample_links

ODD_URL = 'https://ex.example/ä?q="x"\\y\t\u2028'
MOMENT = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _odd_rows() -> list[LinkRow]:
    """Rows whose values need escaping, floats, several hops and citations, or nothing."""
    chain = (Hop(ODD_URL, 301, "/näxt\n"), Hop("https://ex.example/n\u00e4xt", 200))
    result = CheckResult(
        ODD_URL,
        Verdict.MOVED,
        MOMENT,
        200,
        "https://ex.example/n\u00e4xt",
        chain,
        ErrorKind.TIMEOUT,
        'said "no" \x01',
        "Tïtle \U0001f600",
        "abc",
        12.5,
        3,
        "HEAD",
    )
    refs = (
        CitationRef("z/ü.md", (3, 17), Role.RELATED, 'T "q"', date(2016, 2, 2)),
        CitationRef("a.md", (), Role.INLINE),
    )
    archived = Snapshot(
        ODD_URL, MOMENT, SnapshotDirection.AFTER, "https://web.archive.org/x", MOMENT, 200
    )
    return [
        LinkRow(ODD_URL, refs, result, LinkState.FAILING, archived, MOMENT, None),
        LinkRow("mailto:x", (), None, LinkState.ALIVE),
        LinkRow(
            "https://n.example/", (), None, None, Snapshot("u", MOMENT, SnapshotDirection.NONE)
        ),
    ]


@pytest.mark.parametrize("failing", [True, False])
def test_each_link_is_written_exactly_as_json_dumps_writes_it(failing: bool) -> None:
    for row in [*_odd_rows(), *sample_links()]:
        text = link_text(row, failing)
        assert json.dumps(json.loads(text), ensure_ascii=False) == text


def test_floats_that_json_spells_specially_are_kept() -> None:
    (row, *_) = _odd_rows()
    assert row.result is not None
    for value, spelled in [(float("nan"), "NaN"), (float("inf"), "Infinity"), (1e-7, "1e-07")]:
        result = CheckResult(row.url, Verdict.ALIVE, MOMENT, elapsed_ms=value)
        text = link_text(LinkRow(row.url, (), result), False)
        assert f'"elapsed_ms": {spelled},' in text


def test_the_whole_report_is_one_valid_document_with_every_link() -> None:
    data = sample_data()
    parsed = json.loads(render("json", data, ReportOptions()))
    assert sorted(link["url"] for link in parsed["links"]) == sorted(r.url for r in data.links)
