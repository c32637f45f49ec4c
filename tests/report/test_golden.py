"""Golden files: the exact text users paste, read in logs, or feed to GitHub."""

from __future__ import annotations

import pytest

from linkcheck.report import ReportData, ReportOptions, render
from tests.report.conftest import Golden

CASES = [
    ("text", ReportOptions(), "report.txt"),
    ("text", ReportOptions(group_by="document"), "report_by_document.txt"),
    ("text", ReportOptions(show_all=True), "report_all.txt"),
    ("markdown", ReportOptions(), "report.md"),
    ("markdown", ReportOptions(group_by="domain"), "report_by_domain.md"),
    ("csv", ReportOptions(), "report.csv"),
    ("github", ReportOptions(), "report.github.txt"),
]


@pytest.mark.parametrize(("format", "options", "name"), CASES, ids=[case[2] for case in CASES])
def test_output_matches_golden_file(
    data: ReportData, golden: Golden, format: str, options: ReportOptions, name: str
) -> None:
    golden(name, render(format, data, options))


@pytest.mark.parametrize("format", ["text", "markdown", "csv", "github", "json", "junit", "sarif"])
def test_output_does_not_depend_on_input_order(data: ReportData, format: str) -> None:
    reversed_data = ReportData(
        links=list(reversed(data.links)),
        run=data.run,
        runs=data.runs,
        generated_at=data.generated_at,
    )
    assert render(format, reversed_data) == render(format, data)
