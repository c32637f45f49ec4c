"""What every renderer takes: the rows to show and how to show them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from linkcheck.types import GONE_VERDICTS, LinkChange, LinkRow, RunSummary, Verdict

GroupBy = Literal["document", "domain"]


@dataclass(frozen=True)
class ReportData:
    """The rows a report shows, as the store's queries return them.

    ``runs`` are the stored runs, oldest first, for the "rot over time" chart.
    ``generated_at`` is shown only when given, so output stays reproducible.
    ``changes`` are the state transitions since the previous completed run
    (newly failing, newly dead, recovered), shown first where a format has room.
    """

    links: Sequence[LinkRow]
    run: RunSummary | None = None
    runs: Sequence[RunSummary] = ()
    generated_at: datetime | None = None
    changes: Sequence[LinkChange] = ()


@dataclass(frozen=True)
class ReportOptions:
    """How to render: which verdicts fail, grouping, and terminal niceties."""

    #: Verdicts that count as failures (JUnit failures, ``::error``, SARIF ``error``).
    fail_on: frozenset[Verdict] = field(default_factory=lambda: GONE_VERDICTS)
    group_by: GroupBy | None = None
    #: Text only: a rich table with colour.  The CLI decides (tty, NO_COLOR, CI).
    color: bool = False
    #: Text only: list every link, not only the failing and noteworthy ones.
    show_all: bool = False
    #: Human formats: list only failing links (``--quiet``).
    only_failing: bool = False
    #: Links whose failure does not count (``--baseline``, ``--ignore``): shown apart,
    #: never as CI errors, as the exit code already treats them.
    excused: Callable[[LinkRow], bool] = field(default=lambda _row: False)
    title: str = "linkcheck report"
    #: Text with colour only: the table width; ``None`` lets rich ask the terminal.
    width: int | None = None
