"""Turns the library's progress events into what a person at a terminal sees.

Part of the command line, not of the library: a progress bar on stderr when it
is a terminal (and neither ``NO_COLOR`` nor ``CI`` is set), otherwise plain,
quiet lines, one per noteworthy event.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from linkcheck.types import (
    ChecksPlanned,
    Event,
    InputSkipped,
    LinkChecked,
    LinkIgnored,
    Notice,
    RetryScheduled,
    SaveFinished,
    SnapshotFound,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


def wants_live_display(stream: TextIO) -> bool:
    """A live progress bar only for a person at a terminal, never in CI logs."""
    if os.environ.get("NO_COLOR") or os.environ.get("CI"):
        return False
    return stream.isatty()


class ConsoleProgress:
    """An ``on_event`` sink for the CLI; use as a context manager around the work."""

    def __init__(self, *, verbose: bool, quiet: bool, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._verbose = verbose
        self._quiet = quiet
        self._live = not quiet and wants_live_display(self._stream)
        # rich only for the live bar: plain lines need no console (nor its import time).
        self._console: Console | None = None
        if self._live:
            from rich.console import Console

            self._console = Console(file=self._stream, highlight=False)
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ConsoleProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def handle(self, event: Event) -> None:
        match event:
            case ChecksPlanned(total=total, final=final):
                self._plan(total, final=final)
            case LinkChecked():
                if self._bar is not None and self._task is not None:
                    self._bar.advance(self._task)
            case InputSkipped(skipped=skipped):
                # A warning, not progress: shown even with --quiet.
                self._say(f"skipped {skipped.path}: {skipped.reason}", always=True)
            case LinkIgnored(ignored=ignored) if self._verbose:
                self._say(
                    f"{ignored.document}:{ignored.line}: not checked: "
                    f"{ignored.url_as_written} ({ignored.reason})"
                )
            case RetryScheduled(url=url, attempt=attempt, wait_seconds=wait, reason=reason):
                if self._verbose:
                    self._say(f"retrying {url} (attempt {attempt + 1}) in {wait:.1f}s: {reason}")
            case SnapshotFound(snapshot=snapshot) if self._verbose:
                where = snapshot.archive_url or f"no archived copy ({snapshot.error or 'none'})"
                self._say(f"archive: {snapshot.url} → {where}")
            case SaveFinished(outcome=outcome):
                self._say(f"save {outcome.status.value}: {outcome.url}")
            case Notice(message=message):
                self._say(message)
            case _:
                pass

    def _plan(self, total: int, *, final: bool) -> None:
        """Start the bar, or grow its total while the scan still finds links."""
        if self._quiet:
            return
        if self._console is None:
            if final:  # plain output: one line, once the number is known
                self._say(f"checking {total} link{'' if total == 1 else 's'}")
            return
        if self._bar is None:
            self._bar, self._task = _start_bar(self._console)
        assert self._task is not None
        self._bar.update(self._task, total=total)

    def _say(self, message: str, *, always: bool = False) -> None:
        if self._quiet and not always:
            return
        line = f"linkcheck: {message}"
        if self._console is None:
            # One line per message, whatever its length: a URL in a CI log stays whole.
            print(line, file=self._stream, flush=True)
        else:  # through the console, so the live bar is redrawn below the line
            self._console.print(line, markup=False, soft_wrap=True)


def _start_bar(console: Console) -> tuple[Progress, TaskID]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    bar.start()
    return bar, bar.add_task("check", total=None)
