"""Which findings fail a run: the ``--fail-on`` verdicts, less ignored and baseline ones.

CI adopts linkcheck on repositories that already cite dead sources.  Two escape
hatches keep such a job useful from day one: an ignore list of known-bad URLs
(regular expressions), and a baseline — a previous run, or a JSON report saved
from one — so a pull request fails only on citations that are *newly* broken.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from linkcheck.errors import InputError
from linkcheck.types import LinkRow, Verdict


@dataclass(frozen=True)
class FailurePolicy:
    fail_on: frozenset[Verdict]
    ignore: tuple[str, ...] = ()
    #: URLs already failing in the baseline: not held against this run
    baseline: frozenset[str] = frozenset()

    def failing(self, row: LinkRow) -> bool:
        """The row's verdict is one ``--fail-on`` names (excused or not)."""
        return row.result is not None and row.result.verdict in self.fail_on

    def excused(self, row: LinkRow) -> bool:
        """A failing row that is ignored or was failing in the baseline already."""
        return self.excused_url(row.url)

    def excused_url(self, url: str) -> bool:
        return url in self.baseline or any(p.search(url) for p in self._ignored)

    @cached_property
    def _ignored(self) -> list[re.Pattern[str]]:
        return [re.compile(pattern) for pattern in self.ignore]


class FailureWatch:
    """Counts failures as report rows stream past, so no row list is kept."""

    def __init__(self, policy: FailurePolicy) -> None:
        self.policy = policy
        self.failures = 0
        self.excused = 0

    def watch(self, rows: Iterable[LinkRow]) -> Iterator[LinkRow]:
        for row in rows:
            if self.policy.failing(row):
                if self.policy.excused(row):
                    self.excused += 1
                else:
                    self.failures += 1
            yield row


def failing_urls_in(rows: Iterable[LinkRow], fail_on: Collection[Verdict]) -> frozenset[str]:
    return frozenset(
        row.url for row in rows if row.result is not None and row.result.verdict in fail_on
    )


def failing_urls_in_report(path: Path, fail_on: Collection[Verdict]) -> frozenset[str]:
    """Failing URLs of a JSON report written by ``--format json`` (DESIGN.md's contract)."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        links: Sequence[dict[str, object]] = report["links"]
        names = {str(verdict) for verdict in fail_on}
        return frozenset(str(link["url"]) for link in links if link.get("verdict") in names)
    except OSError as error:
        raise InputError(f"baseline {path}: cannot read: {error.strerror}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(f"baseline {path}: not a linkcheck JSON report ({error})") from None
