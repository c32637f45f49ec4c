"""JUnit XML as CI servers read it (the structure of the common JUnit XSD).

The rules below are those of the widely used schema (Jenkins' junit-10.xsd,
which GitLab and most CI servers accept): which elements may hold which
children and attributes, and which attributes are required.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from linkcheck.report import ReportData, ReportOptions, render
from linkcheck.types import Verdict
from tests.report.sample import DEAD_ARCHIVE, DEAD_URL, GUIDE, HISTORY, NEWS

#: element -> (allowed attributes, required attributes, allowed children)
SCHEMA: dict[str, tuple[set[str], set[str], set[str]]] = {
    "testsuites": (
        {"name", "time", "tests", "failures", "disabled", "errors", "skipped"},
        set(),
        {"testsuite"},
    ),
    "testsuite": (
        {
            "name",
            "tests",
            "failures",
            "errors",
            "group",
            "time",
            "disabled",
            "skipped",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
            "version",
        },
        {"name", "tests"},
        {"properties", "testcase", "system-out", "system-err"},
    ),
    "testcase": (
        {"name", "assertions", "time", "classname", "status", "group", "file", "line"},
        {"name"},
        {"skipped", "error", "failure", "system-out", "system-err"},
    ),
    "failure": ({"message", "type"}, set(), set()),
    "error": ({"message", "type"}, set(), set()),
    "skipped": ({"message"}, set(), set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, {"name", "value"}, set()),
}
COUNT_ATTRIBUTES = ("tests", "failures", "errors", "skipped")


def _validate(element: ET.Element) -> None:
    allowed, required, children = SCHEMA[element.tag]
    assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
    assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
    for child in element:
        assert child.tag in children, (element.tag, child.tag)
        _validate(child)
    for attribute in (*COUNT_ATTRIBUTES, "time"):
        if attribute in element.attrib:
            assert float(element.attrib[attribute]) >= 0


def _parse(data: ReportData, options: ReportOptions | None = None) -> ET.Element:
    return ET.fromstring(render("junit", data, options).encode("utf-8"))


def test_document_validates_against_the_junit_structure(data: ReportData) -> None:
    root = _parse(data)
    assert root.tag == "testsuites"
    _validate(root)


def test_one_testcase_per_citation_under_its_document(data: ReportData) -> None:
    root = _parse(data)
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {GUIDE, HISTORY, NEWS}
    cases = list(root.iter("testcase"))
    assert len(cases) == sum(len(row.citations) for row in data.links)
    for suite_name, suite in suites.items():
        assert all(case.get("classname") == suite_name for case in suite.iter("testcase"))
    dead_cases = [case for case in cases if case.get("name") == DEAD_URL]
    assert sorted(case.get("classname") or "" for case in dead_cases) == sorted([GUIDE, NEWS])


def test_counts_match_the_test_cases(data: ReportData) -> None:
    root = _parse(data)
    for suite in root.iter("testsuite"):
        cases = list(suite.iter("testcase"))
        assert int(suite.get("tests", "")) == len(cases)
        for attribute, tag in (
            ("failures", "failure"),
            ("errors", "error"),
            ("skipped", "skipped"),
        ):
            assert int(suite.get(attribute, "")) == sum(
                1 for case in cases if case.find(tag) is not None
            )
    for attribute in COUNT_ATTRIBUTES:
        assert int(root.get(attribute, "")) == sum(
            int(suite.get(attribute, "")) for suite in root.iter("testsuite")
        )
    # dead x2 citations + dead + soft_404 fail by default.
    assert root.get("failures") == "4"


def test_failure_names_the_lines_and_the_archived_copy(data: ReportData) -> None:
    root = _parse(data)
    (case,) = [
        case
        for case in root.iter("testcase")
        if case.get("name") == DEAD_URL and case.get("classname") == GUIDE
    ]
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "dead"
    assert f"{GUIDE}:7,19,33" in (failure.get("message") or "")
    assert DEAD_ARCHIVE in (failure.text or "")


def test_fail_on_decides_what_fails(data: ReportData) -> None:
    blocked_fails = ReportOptions(fail_on=frozenset({Verdict.BLOCKED}))
    root = _parse(data, blocked_fails)
    failed = [
        case.get("name") for case in root.iter("testcase") if case.find("failure") is not None
    ]
    assert failed == ["https://paywall.example.com/story"]


def test_skipped_and_unchecked_links_are_skipped(data: ReportData) -> None:
    first = data.links[0]
    assert first.result is not None
    skipped_row = replace(first, result=replace(first.result, verdict=Verdict.SKIPPED))
    unchecked_row = replace(data.links[1], result=None)
    root = _parse(ReportData(links=[skipped_row, unchecked_row]))
    _validate(root)
    assert root.get("skipped") == "2"
    assert root.get("failures") == "0"
