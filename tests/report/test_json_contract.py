"""The JSON report is a contract (DESIGN.md, "Machine-readable output")."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from linkcheck.report import ReportData, ReportOptions, render
from linkcheck.types import Verdict
from tests.report.sample import DEAD_ARCHIVE, DEAD_URL, GUIDE, NEWS, VANISHED_URL

RUN_FIELDS = {"started_at", "finished_at", "status", "stopped_by"} | {str(v) for v in Verdict}
LINK_FIELDS: dict[str, type | tuple[type, ...]] = {
    "url": str,
    "verdict": str,
    "state": str,
    "status_code": (int, type(None)),
    "final_url": (str, type(None)),
    "error_kind": (str, type(None)),
    "error": (str, type(None)),
    "hops": list,
    "archive_url": (str, type(None)),
    "archive_timestamp": (str, type(None)),
    "checked_at": str,
    "citations": list,
}


def _report(data: ReportData, options: ReportOptions | None = None) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(render("json", data, options))
    return parsed


def _link(report: dict[str, Any], url: str) -> dict[str, Any]:
    (link,) = [link for link in report["links"] if link["url"] == url]
    found: dict[str, Any] = link
    return found


def test_top_level_is_run_and_links(data: ReportData) -> None:
    report = _report(data)
    assert {"run", "links"} <= report.keys()
    assert isinstance(report["links"], list)


def test_run_holds_counts_times_and_status(data: ReportData) -> None:
    run = _report(data)["run"]
    assert run.keys() >= RUN_FIELDS
    assert run["dead"] == 2
    assert run["soft_404"] == 1
    assert run["alive"] == 1
    assert run["invalid"] == 0
    assert run["status"] == "completed"
    assert datetime.fromisoformat(run["started_at"]) == datetime.fromisoformat(
        "2025-06-10T08:00:00+00:00"
    )
    assert datetime.fromisoformat(run["finished_at"]) > datetime.fromisoformat(run["started_at"])


def test_every_verdict_count_survives_beside_the_stop_reason(data: ReportData) -> None:
    # "error" is a verdict: its count must not be hidden by why the run stopped.
    assert data.run is not None
    run = _report(data)["run"]
    assert run["error"] == data.run.counts[Verdict.ERROR] == 1
    assert sum(run[str(verdict)] for verdict in Verdict) == run["total"]
    assert run["stopped_by"] is None


def test_run_counts_come_from_the_links_without_a_stored_run(data: ReportData) -> None:
    run = _report(ReportData(links=data.links))["run"]
    assert run["dead"] == 2
    assert run["moved"] == 1
    assert run["started_at"] is None
    assert run["status"] is None


def test_every_link_has_every_contract_field_with_its_type(data: ReportData) -> None:
    report = _report(data)
    assert len(report["links"]) == len(data.links)
    for link in report["links"]:
        for name, kind in LINK_FIELDS.items():
            assert name in link, name
            assert isinstance(link[name], kind), (name, link[name])
        for hop in link["hops"]:
            assert set(hop) == {"url", "status_code", "location"}
        for citation in link["citations"]:
            assert {"document", "lines", "role"} <= citation.keys()
            assert all(isinstance(line, int) for line in citation["lines"])


def test_a_dead_link_carries_its_archive_and_every_citation(data: ReportData) -> None:
    link = _link(_report(data), DEAD_URL)
    assert link["verdict"] == "dead"
    assert link["state"] == "dead"
    assert link["status_code"] == 404
    assert link["error_kind"] == "http_status"
    assert link["archive_url"] == DEAD_ARCHIVE
    assert datetime.fromisoformat(link["archive_timestamp"]).year == 2019
    assert link["archive_direction"] == "before"
    assert datetime.fromisoformat(link["checked_at"]).tzinfo is not None
    # One finding for the URL, listing both documents and all their lines.
    assert [(c["document"], c["lines"], c["role"]) for c in link["citations"]] == [
        (NEWS, [3, 8], "related"),
        (GUIDE, [7, 19, 33], "inline"),
    ]


def test_a_moved_link_lists_its_hops(data: ReportData) -> None:
    link = _link(_report(data), "http://old.example.com/report-2019")
    assert link["final_url"] == "https://new.example.com/reports/2019"
    assert link["hops"] == [
        {
            "url": "http://old.example.com/report-2019",
            "status_code": 301,
            "location": "https://new.example.com/reports/2019",
        },
        {"url": "https://new.example.com/reports/2019", "status_code": 200, "location": None},
    ]


def test_archive_direction_after_is_reported(data: ReportData) -> None:
    link = _link(_report(data), VANISHED_URL)
    assert link["archive_direction"] == "after"
    assert link["error_kind"] == "dns"
    assert link["status_code"] is None


def test_failing_follows_the_fail_on_policy(data: ReportData) -> None:
    strict = ReportOptions(fail_on=frozenset({Verdict.DEAD, Verdict.SOFT_404, Verdict.ERROR}))
    report = _report(data, strict)
    assert report["summary"]["failing"] == 4
    assert _link(report, "https://slow.example.net/data")["failing"] is True
    assert _link(_report(data), "https://slow.example.net/data")["failing"] is False
