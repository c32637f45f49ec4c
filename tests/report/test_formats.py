"""Behaviour every format shares, and the details of text, CSV and Markdown."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from linkcheck.report import FORMATS, ReportData, ReportOptions, failing_rows, render
from linkcheck.types import CitationRef, Role, RunStatus, Verdict
from tests.report.sample import DEAD_ARCHIVE, DEAD_URL, GUIDE, NEWS, sample_links

ANSI_ESCAPE = "\x1b["


def test_unknown_format_names_the_known_ones(data: ReportData) -> None:
    with pytest.raises(ValueError, match="yaml") as raised:
        render("yaml", data)
    assert all(name in str(raised.value) for name in FORMATS)


@pytest.mark.parametrize("format", FORMATS)
def test_every_format_renders_an_empty_report(format: str) -> None:
    output = render(format, ReportData(links=[]))
    # Nothing to annotate is no annotation at all; every other format says something.
    assert output.strip() or format == "github"


#: Formats that list every link; github and sarif list only findings.
LISTING_FORMATS = ("text", "json", "csv", "markdown", "html", "junit")


@pytest.mark.parametrize("format", LISTING_FORMATS)
def test_every_listing_format_shows_a_link_never_checked(format: str) -> None:
    unchecked = replace(sample_links()[0], result=None, state=None)
    assert "example.org/about" in render(
        format, ReportData(links=[unchecked]), ReportOptions(show_all=True)
    )


def test_failing_rows_follow_the_policy_most_serious_first(data: ReportData) -> None:
    rows = failing_rows(data, ReportOptions())
    assert [row.result.verdict for row in rows if row.result] == [
        Verdict.DEAD,
        Verdict.DEAD,
        Verdict.SOFT_404,
    ]
    errors_too = ReportOptions(fail_on=frozenset({Verdict.ERROR}))
    assert [row.url for row in failing_rows(data, errors_too)] == ["https://slow.example.net/data"]


# --------------------------------------------------------------------------- text


def test_plain_text_has_no_escape_codes(data: ReportData) -> None:
    assert ANSI_ESCAPE not in render("text", data, ReportOptions(color=False))


def test_colour_text_is_a_rich_table_with_every_failing_link(data: ReportData) -> None:
    output = render("text", data, ReportOptions(color=True, width=400))
    assert ANSI_ESCAPE in output
    assert "┃" in output  # a table, not the plain list
    for row in failing_rows(data, ReportOptions()):
        assert row.url in output
    assert DEAD_ARCHIVE in output


def test_colour_text_never_reads_urls_as_markup() -> None:
    row = replace(sample_links()[2], url="https://x.example/[bold]a[/bold]")
    output = render("text", ReportData(links=[row]), ReportOptions(color=True, width=200))
    assert "[bold]a[/bold]" in output


def test_text_says_so_when_nothing_needs_attention() -> None:
    alive_only = ReportData(links=sample_links()[:1])
    assert "No failing or noteworthy links." in render("text", alive_only)


# --------------------------------------------------------------------------- csv


def _csv_rows(data: ReportData) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render("csv", data), newline="")))


def test_csv_has_one_row_per_citing_document(data: ReportData) -> None:
    rows = _csv_rows(data)
    assert len(rows) == sum(len(row.citations) for row in data.links)
    dead = [(row["document"], row["lines"]) for row in rows if row["url"] == DEAD_URL]
    assert dead == [(NEWS, "3 8"), (GUIDE, "7 19 33")]
    assert {row["archive_url"] for row in rows if row["url"] == DEAD_URL} == {DEAD_ARCHIVE}


def test_csv_quotes_commas_quotes_and_line_breaks() -> None:
    row = sample_links()[2]
    tricky = replace(
        row,
        citations=(CitationRef('notes "final", v2\nb.md', (1,), Role.INLINE, title="A, B"),),
    )
    text = render("csv", ReportData(links=[tricky]))
    assert text.endswith("\r\n")
    (parsed,) = _csv_rows(ReportData(links=[tricky]))
    assert parsed["document"] == 'notes "final", v2\nb.md'
    assert parsed["citation_title"] == "A, B"


def test_csv_defuses_spreadsheet_formulas() -> None:
    row = sample_links()[2]
    hostile = replace(
        row, citations=(CitationRef("doc.md", (1,), Role.INLINE, title="=HYPERLINK(1)"),)
    )
    (parsed,) = _csv_rows(ReportData(links=[hostile]))
    assert parsed["citation_title"] == "'=HYPERLINK(1)"


# --------------------------------------------------------------------------- markdown


def _table_cells(line: str) -> list[str]:
    """Split a GFM table row the way GitHub does: at ``|`` not preceded by a backslash."""
    inner = line.strip()[1:-1]
    cells, current, escaped = [], "", False
    for char in inner:
        if char == "|" and not escaped:
            cells.append(current)
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    return [*cells, current]


def test_markdown_escapes_pipes_so_table_rows_keep_their_columns() -> None:
    row = sample_links()[2]
    piped = replace(
        row,
        url="https://gone.example.net/a|b",
        citations=(CitationRef("docs/x|y.md", (2,), Role.INLINE),),
        result=replace(row.result, error="Not | Found") if row.result else None,
    )
    output = render("markdown", ReportData(links=[piped]))
    table_rows = [line for line in output.splitlines() if line.startswith("| [")]
    assert table_rows
    for line in table_rows:
        assert len(_table_cells(line)) == 5


def test_markdown_shows_why_a_run_stopped_as_plain_text_on_the_headline(
    data: ReportData,
) -> None:
    """A failed run's reason is any error message: markup in it must stay text."""
    assert data.run is not None
    reason = "database <unparsable database URL> is *locked*\n# not a heading\n| nor | a row |"
    failed = replace(data, run=replace(data.run, status=RunStatus.FAILED, error=reason))
    lines = render("markdown", failed).splitlines()
    [headline] = [line for line in lines if "Stopped by:" in line]
    assert headline.endswith(
        "Stopped by: database \\<unparsable database URL\\> is \\*locked\\*"
        " \\# not a heading \\| nor \\| a row \\|"
    )
    assert not any(line.startswith(("# not", "| nor")) for line in lines)


def test_markdown_links_the_archived_copy(data: ReportData) -> None:
    output = render("markdown", data)
    assert f"(<{DEAD_ARCHIVE}>)" in output
    assert "**3 failing**" in output


def test_markdown_never_makes_a_script_url_clickable() -> None:
    row = replace(sample_links()[2], url="javascript:alert(1)")
    output = render("markdown", ReportData(links=[row]))
    assert "](<javascript" not in output
    assert "javascript:alert\\(1\\)" in output


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("format", FORMATS)
def test_every_format_is_a_complete_file_ending_in_one_line_break(
    format: str, data: ReportData
) -> None:
    # The CLI writes render()'s string as it is: one more "\n" would leave a
    # blank line at the end (a CSV ending "\r\n\n" has an empty last record).
    output = render(format, data)
    ending = "\r\n" if format == "csv" else "\n"
    assert output.endswith(ending)
    assert not output.removesuffix(ending).endswith(("\n", "\r"))
