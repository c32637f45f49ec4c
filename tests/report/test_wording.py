"""Counts read as English: one link, one time, one check; never "1 times"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from linkcheck.report import ReportData, ReportOptions, render
from linkcheck.report.history import render_history
from linkcheck.types import RunStatus, RunSummary, Snapshot, SnapshotDirection, Verdict
from tests.report.sample import sample_links, unstated


def _one_dead_citation() -> ReportData:
    dead = sample_links()[2]
    run = RunSummary(1, datetime(2025, 6, 10, tzinfo=UTC), RunStatus.COMPLETED)
    return ReportData(links=[replace(dead, citations=dead.citations[:1])], run=run)


def test_history_of_a_link_cited_once_and_checked_once() -> None:
    dead = sample_links()[2]
    assert dead.result is not None
    output = render_history(dead.url, [unstated(dead)], dead.citations[:1], None)
    assert "cited 1 time:" in output
    assert "1 check, oldest first:" in output
    assert "1 times" not in output and "1 checks" not in output


def test_history_counts_many_in_the_plural() -> None:
    dead = sample_links()[2]
    assert dead.result is not None
    output = render_history(dead.url, [unstated(dead)] * 2, dead.citations, None)
    assert "cited 2 times:" in output
    assert "2 checks, oldest first:" in output


def test_markdown_headline_of_one_link_cited_once() -> None:
    output = render("markdown", _one_dead_citation(), ReportOptions())
    assert "of 1 link, cited 1 time in 1 document." in output


def test_html_counts_one_citation_and_one_run_in_the_singular() -> None:
    output = render("html", _one_dead_citation(), ReportOptions())
    assert "citations of 1 source" not in output
    assert "citation of 1 source in 1 document" in output
    assert "the last 1 runs" not in output


def test_a_citation_on_thousands_of_lines_shows_the_first_few_and_the_count() -> None:
    # A URL repeated on every line of a huge file: one report line, not megabytes.
    dead = sample_links()[2]
    assert dead.result is not None
    ref = replace(dead.citations[0], lines=tuple(range(1, 5001)))
    output = render_history(dead.url, [unstated(dead)], [ref], None)
    assert "1,2,3,4,5,6,7,8,9,10,… (5000 lines)" in output
    assert "4321" not in output
    markdown = render("markdown", ReportData(links=[replace(dead, citations=(ref,))]))
    assert "lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, … (5000 in all)" in markdown
    for people_read in ("text", "junit", "github", "html"):
        assert "4321" not in render(
            people_read, ReportData(links=[replace(dead, citations=(ref,))])
        )
    # Programs read JSON and CSV: they keep every line.
    as_json = render("json", ReportData(links=[replace(dead, citations=(ref,))]))
    assert "4321" in as_json


def test_a_failed_archive_look_up_is_not_called_no_copy() -> None:
    dead = sample_links()[2]
    assert dead.result is not None
    trouble = Snapshot(
        url=dead.url,
        looked_up_at=datetime(2025, 6, 11, tzinfo=UTC),
        direction=SnapshotDirection.NONE,
        error="the archive's answer is not a capture index",
    )
    output = render_history(dead.url, [unstated(dead)], dead.citations, trouble)
    assert "archive: look-up failed (the archive's answer is not a capture index)" in output
    assert "no usable capture" not in output


def test_a_run_whose_checks_are_not_all_listed_still_says_what_it_found() -> None:
    # After `db prune`, or with a filter, the rows shown are fewer than the run's checks.
    dead = sample_links()[2]
    run = RunSummary(
        1,
        datetime(2025, 6, 10, tzinfo=UTC),
        RunStatus.COMPLETED,
        counts={Verdict.DEAD: 2, Verdict.ALIVE: 5},
        total=7,
    )
    output = render("text", ReportData(links=[dead], run=run))
    assert "The run itself checked 7 links: dead 2  alive 5" in output
    whole = replace(run, counts={Verdict.DEAD: 1}, total=1)
    assert "The run itself" not in render("text", ReportData(links=[dead], run=whole))
