"""Which findings fail a run: the ``--fail-on`` verdicts, less ignored and baseline ones.

CI adopts linkcheck on repositories that already cite dead sources.  Two escape
hatches keep such a job useful from day one: an ignore list of known-bad URLs
(regular expressions), and a baseline — a previous run, or a JSON report saved
from one — so a pull request fails only on citations that are *newly* broken.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from linkcheck.errors import InputError
from linkcheck.types import LinkRow, Verdict


@dataclass(frozen=True)
class Baseline:
    """The citations already failing in a baseline: each failing URL with the
    documents that cited it then.

    A failing link is old rot only where every document citing it now already
    cited it in the baseline: a pull request that cites a URL known to be dead
    in another document cites a broken source anew and must fail.

    Documents are named as a report names them, relative to the working
    directory of a scan; where the database knows a document's location (where
    its file really is) that is used instead, so a run from another working
    directory still matches.  ``locations`` maps the names reports use now to
    those locations.
    """

    citing: Mapping[str, frozenset[str]] = field(default_factory=dict)
    locations: Mapping[str, str] = field(default_factory=dict)

    def covers(self, row: LinkRow) -> bool:
        documents = self.citing.get(row.url)
        if documents is None:
            return False
        where = self.locations.get
        return all(
            ref.document in documents or where(ref.document) in documents for ref in row.citations
        )

    def named_as(self, locations: Mapping[str, str]) -> Baseline:
        """This baseline, matched against documents that reports name as ``locations`` says."""
        return replace(self, locations=locations)


@dataclass(frozen=True)
class FailurePolicy:
    fail_on: frozenset[Verdict]
    ignore: tuple[str, ...] = ()
    #: citations already failing in the baseline: not held against this run
    baseline: Baseline = field(default_factory=Baseline)

    def failing(self, row: LinkRow) -> bool:
        """The row's verdict is one ``--fail-on`` names (excused or not)."""
        return row.result is not None and row.result.verdict in self.fail_on

    def excused(self, row: LinkRow) -> bool:
        """A row whose failure does not count: its URL is ignored, or the baseline
        had it failing in every document that cites it now."""
        return self.baseline.covers(row) or any(p.search(row.url) for p in self._ignored)

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


def failing_citations_in(
    rows: Iterable[LinkRow],
    fail_on: Collection[Verdict],
    *,
    locations: Mapping[str, str],
    changed_since: Collection[str] = (),
) -> Baseline:
    """The failing citations of a previous run's rows, each document by its location
    (``locations``, by name) where it has one.

    A database keeps only the latest version of each document, so a document in
    ``changed_since`` (names or locations of those stored again after that run)
    may cite what it did not then: its citations are left out, and count as new.
    """
    citing: dict[str, frozenset[str]] = {}
    for row in rows:
        if row.result is not None and row.result.verdict in fail_on:
            documents = {locations.get(ref.document, ref.document) for ref in row.citations}
            citing[row.url] = frozenset(documents.difference(changed_since))
    return Baseline(citing)


def failing_citations_in_report(path: Path, fail_on: Collection[Verdict]) -> Baseline:
    """The failing citations of a JSON report written by ``--format json``
    (DESIGN.md's contract)."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        links: Sequence[dict[str, Any]] = report["links"]
        names = {str(verdict) for verdict in fail_on}
        return Baseline(
            {
                str(link["url"]): frozenset(str(c["document"]) for c in link["citations"])
                for link in links
                if link.get("verdict") in names
            }
        )
    except OSError as error:
        raise InputError(f"baseline {path}: cannot read: {error.strerror}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(f"baseline {path}: not a linkcheck JSON report ({error})") from None
