"""SARIF 2.1.0: the parts code-scanning dashboards read."""

from __future__ import annotations

import json
from typing import Any

from linkcheck.report import ReportData, ReportOptions, render
from linkcheck.types import Verdict
from tests.report.sample import DEAD_URL, GUIDE, NEWS


def _log(data: ReportData, options: ReportOptions | None = None) -> dict[str, Any]:
    parsed = json.loads(render("sarif", data, options))
    assert isinstance(parsed, dict)
    return parsed


def test_log_has_schema_version_and_one_run_with_rules(data: ReportData) -> None:
    log = _log(data)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "linkcheck"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert {"dead", "soft_404", "moved", "blocked", "error"} <= set(rule_ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}


def test_results_point_at_rules_and_at_every_citing_line(data: ReportData) -> None:
    (run,) = _log(data)["runs"]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        for location in result["locations"]:
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            assert physical["region"]["startLine"] >= 1
    # One result per citing line, each with one location: SARIF keeps several
    # locations for one fix made at all of them, and GitHub shows only the first.
    dead = [r for r in run["results"] if r["properties"]["url"] == DEAD_URL]
    assert all(len(result["locations"]) == 1 for result in dead)
    places = [
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for result in dead
    ]
    assert places == [(NEWS, 3), (NEWS, 8), (GUIDE, 7), (GUIDE, 19), (GUIDE, 33)]
    assert {result["level"] for result in dead} == {"error"}
    fingerprints = [
        (place[0], r["partialFingerprints"]["citedUrl/v1"])
        for place, r in zip(places, dead, strict=True)
    ]
    assert len(set(fingerprints)) == len(dead)  # two citations in one file stay two alerts


def test_alive_links_are_not_results_and_levels_follow_fail_on(data: ReportData) -> None:
    (run,) = _log(data)["runs"]
    levels = {r["properties"]["url"]: r["level"] for r in run["results"]}
    assert "https://example.org/about" not in levels
    assert levels["https://paywall.example.com/story"] == "warning"
    (strict_run,) = _log(data, ReportOptions(fail_on=frozenset({Verdict.BLOCKED})))["runs"]
    strict = {r["properties"]["url"]: r["level"] for r in strict_run["results"]}
    assert strict["https://paywall.example.com/story"] == "error"
    assert strict[DEAD_URL] == "warning"


def test_document_paths_become_uri_references() -> None:
    from linkcheck.types import CitationRef, Role
    from tests.report.sample import sample_links

    row = sample_links()[2]
    odd = type(row)(
        url=row.url,
        citations=(CitationRef("my notes/a#b.md", (1,), Role.INLINE),),
        result=row.result,
    )
    (run,) = _log(ReportData(links=[odd]))["runs"]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20notes/a%23b.md"


def test_excused_failures_are_notes_not_errors(data: ReportData) -> None:
    """As the exit code: a failure the baseline or the ignore list forgives must not
    raise an alert that fails a pull request."""
    options = ReportOptions(excused=lambda row: row.url == DEAD_URL)
    (run,) = _log(data, options)["runs"]
    levels = {result["properties"]["url"]: result["level"] for result in run["results"]}
    assert levels[DEAD_URL] == "note"
    assert "error" in levels.values()  # the other failures still count
