"""What a person (or a CI log) sees while a run works: one plain line per fact, or a live bar."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from linkcheck.progress import ConsoleProgress
from linkcheck.types import (
    CheckResult,
    ChecksPlanned,
    InputSkipped,
    LinkChecked,
    SkippedInput,
    Verdict,
)

NOW = datetime(2026, 11, 27, tzinfo=UTC)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def checked(n: int) -> LinkChecked:
    result = CheckResult(url=f"https://x.test/{n}", verdict=Verdict.ALIVE, checked_at=NOW)
    return LinkChecked(result)


def test_a_log_gets_the_number_of_links_once_the_scan_knows_it() -> None:
    """While the scan still finds links the total grows; a log line states only the last."""
    log = io.StringIO()
    with ConsoleProgress(verbose=False, quiet=False, stream=log) as progress:
        for total in (4, 12):
            progress.handle(ChecksPlanned(total, final=False))
            progress.handle(checked(total))
        progress.handle(ChecksPlanned(15, final=True))
    assert log.getvalue() == "linkcheck: checking 15 links\n"


def test_quiet_keeps_only_warnings() -> None:
    log = io.StringIO()
    with ConsoleProgress(verbose=False, quiet=True, stream=log) as progress:
        progress.handle(ChecksPlanned(3))
        progress.handle(InputSkipped(SkippedInput(path="blob.bin", reason="binary file")))
    assert log.getvalue() == "linkcheck: skipped blob.bin: binary file\n"


def test_a_terminal_gets_a_bar_whose_total_follows_the_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    screen = Terminal()
    with ConsoleProgress(verbose=False, quiet=False, stream=screen) as progress:
        progress.handle(ChecksPlanned(40, final=False))
        for n in range(3):
            progress.handle(checked(n))
        progress.handle(ChecksPlanned(100, final=True))
    assert "3/100" in screen.getvalue()
    assert "checking 100 links" not in screen.getvalue()  # the bar says it


def test_one_link_is_not_links() -> None:
    log = io.StringIO()
    with ConsoleProgress(verbose=False, quiet=False, stream=log) as progress:
        progress.handle(ChecksPlanned(1, final=True))
    assert log.getvalue() == "linkcheck: checking 1 link\n"
