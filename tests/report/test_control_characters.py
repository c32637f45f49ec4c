"""Control characters in names, titles, URLs and errors are shown, never sent.

A file name or page title nobody vetted must not colour a terminal or CI log,
forge a line of a report, or make the JUnit or HTML report ill-formed.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from linkcheck.report import ReportData, ReportOptions, render
from linkcheck.report.changes import render_changes
from linkcheck.report.citations import write_citations
from linkcheck.report.history import render_history
from linkcheck.report.visible import visible
from linkcheck.types import (
    Citation,
    CitationRef,
    Document,
    DocumentFormat,
    LinkChange,
    LinkState,
    Role,
    RunStatus,
    RunSummary,
)
from tests.report.sample import sample_links, unstated

HOSTILE_DOCUMENT = "f12/esc\x01\x1b[31mred.html"
HOSTILE_TITLE = "title\x00\x02\x1b]0;pwned\x07"
HOSTILE_URL = "https://gone.example.net/\x7fpath\x9b"
HOSTILE_ERROR = "Not Found\x1b[2J\x0b\x0c"
REPORT_TITLE = "report \x01\x02\x1b"

#: What no value may put in a report a person reads; the renderers' own line
#: breaks (and the tabs some use for layout) are allowed.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

HUMAN_FORMATS = ("text", "markdown", "html", "junit", "github")


def _hostile_data() -> ReportData:
    dead = sample_links()[2]
    assert dead.result is not None
    hostile = replace(
        dead,
        url=HOSTILE_URL,
        citations=(CitationRef(HOSTILE_DOCUMENT, (1,), Role.INLINE, title=HOSTILE_TITLE),),
        result=replace(dead.result, url=HOSTILE_URL, error=HOSTILE_ERROR),
    )
    run = RunSummary(
        1, datetime(2025, 6, 10, tzinfo=UTC), RunStatus.FAILED, error="disk\x1b[31m full"
    )
    return ReportData(links=[hostile], run=run)


def test_visible_writes_control_characters_as_escapes() -> None:
    assert visible("a\x00b\x1b[31m\x7f\x85\t\n") == "a\\x00b\\x1b[31m\\x7f\\x85\\x09\\x0a"
    # Lone surrogates (undecodable file-name bytes) and XML's non-characters too.
    assert visible("\udcff\ufffe") == "\\udcff\\ufffe"


def test_visible_keeps_printable_text_as_it_is() -> None:
    text = "Ünïcode 中文 🙂 C:\\path <a> & 100%"
    assert visible(text) is text or visible(text) == text


@pytest.mark.parametrize("format", HUMAN_FORMATS)
def test_no_raw_control_character_reaches_a_human_report(format: str) -> None:
    output = render(format, _hostile_data(), ReportOptions(title=REPORT_TITLE, show_all=True))
    assert RAW_CONTROL.search(output) is None, RAW_CONTROL.findall(output)
    assert "\\x1b[31mred.html" in output  # the reader still sees what the name holds


def test_colour_text_sends_no_escape_code_from_a_value() -> None:
    output = render("text", _hostile_data(), ReportOptions(color=True, width=200, show_all=True))
    # rich writes its own colour codes; the value's screen clear and title set must not pass.
    assert "\x1b[2J" not in output
    assert "\x1b]0;" not in output
    assert "\x01" not in output and "\x7f" not in output
    assert "\\x1b[2J" in output


def test_plain_text_keeps_each_value_on_its_own_line() -> None:
    forged = replace(_hostile_data().links[0], url="https://a.example/\nFAILING   forged")
    output = render("text", ReportData(links=[forged]), ReportOptions())
    assert "https://a.example/\\x0aFAILING   forged" in output
    assert not any(line.startswith("FAILING") for line in output.splitlines())


def test_junit_is_well_formed_xml_and_shows_the_characters() -> None:
    output = render("junit", _hostile_data(), ReportOptions(title=REPORT_TITLE))
    root = ET.fromstring(output.encode("utf-8"))
    assert root.get("name") == "report \\x01\\x02\\x1b"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "f12/esc\\x01\\x1b[31mred.html"
    (case,) = suite.findall("testcase")
    assert case.get("name") == "https://gone.example.net/\\x7fpath\\x9b"
    failure = case.find("failure")
    assert failure is not None
    assert "Not Found\\x1b[2J\\x0b\\x0c" in (failure.get("message") or "")
    # The details keep their own line breaks between values.
    assert (failure.text or "").splitlines()[0] == "url: https://gone.example.net/\\x7fpath\\x9b"


def test_junit_with_an_undecodable_file_name_can_be_written_as_utf8() -> None:
    dead = sample_links()[2]
    row = replace(dead, citations=(CitationRef("bad\udcff.md", (1,), Role.INLINE),))
    output = render("junit", ReportData(links=[row]))
    ET.fromstring(output.encode("utf-8"))  # neither the encoding nor the parse fails


class _TitleAndText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.titles: list[str] = []
        self.text: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)
        self.text.append(data)


def test_html_title_and_cells_show_control_characters_as_escapes() -> None:
    output = render("html", _hostile_data(), ReportOptions(title=REPORT_TITLE, show_all=True))
    parser = _TitleAndText()
    parser.feed(output)
    parser.close()
    assert parser.titles[0] == "report \\x01\\x02\\x1b"  # the page's; the chart has its own
    text = "".join(parser.text)
    assert RAW_CONTROL.search(text) is None  # character references decoded: still none
    assert "title\\x00\\x02\\x1b]0;pwned\\x07" in text


def test_markdown_shows_the_escape_as_text_not_as_markdown() -> None:
    output = render("markdown", _hostile_data(), ReportOptions())
    # ``\x1b`` inside a code span needs no Markdown escaping; in plain cells the
    # backslash is escaped so the rendered page shows it.
    assert "`f12/esc\\x01\\x1b[31mred.html`" in output
    assert "Not Found\\\\x1b\\[2J" in output  # (a table cell folds \\x0b\\x0c into a space)


def test_csv_carries_the_value_for_the_spreadsheet() -> None:
    # CSV is data, like JSON: the document column must name the real file.
    output = render("csv", _hostile_data())
    rows = list(csv.DictReader(io.StringIO(output, newline="")))
    assert rows[0]["document"] == HOSTILE_DOCUMENT
    assert rows[0]["citation_title"] == HOSTILE_TITLE


def test_history_changes_and_extract_text_show_control_characters() -> None:
    dead = _hostile_data().links[0]
    assert dead.result is not None
    history = render_history(HOSTILE_URL, [unstated(dead)], dead.citations, None)
    change = LinkChange(
        HOSTILE_URL, LinkState.FAILING, LinkState.DEAD, dead.result.checked_at, 1, dead.citations
    )
    changes = render_changes([change])
    citation = Citation(
        HOSTILE_URL, HOSTILE_URL, HOSTILE_URL, (1,), Role.INLINE, title=HOSTILE_TITLE
    )
    stream = io.StringIO()
    document = Document(HOSTILE_DOCUMENT, DocumentFormat.HTML, "hash", (citation,))
    write_citations([document], "text", stream)
    for output in (history, changes, stream.getvalue()):
        assert RAW_CONTROL.search(output) is None, output
        assert "\\x7fpath\\x9b" in output
