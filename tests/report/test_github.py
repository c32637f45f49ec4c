"""GitHub workflow commands: one annotation per citation, escaped so any text survives."""

from __future__ import annotations

import re
from dataclasses import replace

from linkcheck.report import ReportData, render
from linkcheck.report.github import escape_data, escape_property
from linkcheck.types import CitationRef, Role
from tests.report.sample import DEAD_URL, sample_links

COMMAND = re.compile(r"^::(?P<level>error|warning) (?P<props>[^:]*)::(?P<message>.*)$")


def _unescape_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(value: str) -> str:
    return _unescape_data(value.replace("%3A", ":").replace("%2C", ","))


def _parse(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Split commands the way the Actions runner does: at ``::``, ``,`` and the first ``=``."""
    commands = []
    for line in output.splitlines():
        match = COMMAND.match(line)
        assert match is not None, line
        props = dict(part.split("=", 1) for part in match["props"].split(","))
        commands.append(
            (
                match["level"],
                {key: _unescape_property(value) for key, value in props.items()},
                _unescape_data(match["message"]),
            )
        )
    return commands


def test_escaping_follows_the_workflow_command_rules() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_data("a:b,c") == "a:b,c"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_hostile_names_and_messages_survive_the_round_trip() -> None:
    row = sample_links()[2]  # dead, cited by two documents
    hostile_doc = "notes/a,b: 100%::draft.md"
    hostile = replace(
        row,
        citations=(CitationRef(hostile_doc, (4, 9), Role.INLINE),),
        result=replace(row.result, error="gone::error file=x,line=1 50%") if row.result else None,
    )
    (command,) = _parse(render("github", ReportData(links=[hostile])))
    level, props, message = command
    assert level == "error"
    assert props["file"] == hostile_doc
    assert props["line"] == "4"
    assert "gone::error file=x,line=1 50%" in message
    assert "Also cited on line 9." in message


def test_a_line_break_in_a_value_is_shown_not_decoded_into_the_log() -> None:
    # The runner turns %0A back into a line break, so an escaped one would still
    # forge a line of the log (or an ESC colour it): such characters arrive as text.
    row = sample_links()[2]
    hostile = replace(
        row,
        citations=(CitationRef("a\nb\x1b[31m.md", (4,), Role.INLINE),),
        result=replace(row.result, error="gone\r\n::warning::forged") if row.result else None,
    )
    (command,) = _parse(render("github", ReportData(links=[hostile])))
    _, props, message = command
    assert props["file"] == "a\\x0ab\\x1b[31m.md"
    assert "gone\\x0d\\x0a::warning::forged" in message
    assert not any(char in message + props["file"] for char in "\r\n\x1b")


def test_one_annotation_per_citing_document_at_its_first_line() -> None:
    commands = _parse(render("github", ReportData(links=sample_links())))
    dead = [(props["file"], props["line"]) for _, props, message in commands if DEAD_URL in message]
    assert dead == [("articles/2019/06/news.txt", "3"), ("docs/guide.md", "7")]
    levels = {props["title"]: level for level, props, _ in commands}
    assert levels["Dead link"] == "error"
    assert levels["Link moved"] == "warning"
    assert levels["Site blocked the check"] == "warning"
    assert all("example.org/about" not in message for _, _, message in commands)
