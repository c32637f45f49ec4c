"""JUnit XML, as GitLab, Jenkins and most CI servers read it.

One ``<testsuite>`` per document and one ``<testcase>`` per citation
(``classname`` = the document, ``name`` = the URL), so a failing citation
shows up under the file to fix.  Verdicts in ``fail_on`` become
``<failure>``; skipped and never-checked links become ``<skipped>``.  The
lines stay out of ``name`` so a test keeps its identity (and its history in
the CI server) when text moves within a document; they are in the failure
message and in ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    archive_note,
    is_failing,
    lines_text,
    moved_to,
    outcome,
    verdict_name,
    where,
)
from linkcheck.report.visible import visible
from linkcheck.types import CitationRef, LinkRow, Verdict


@dataclass(frozen=True)
class _Case:
    row: LinkRow
    #: None: no stored document cites the link now (a report of an older run)
    ref: CitationRef | None

    @property
    def document(self) -> str:
        return self.ref.document if self.ref is not None else UNCITED_SUITE

    @property
    def lines(self) -> tuple[int, ...]:
        return self.ref.lines if self.ref is not None else ()


#: The suite of links that no stored document cites any more: a report of an older
#: run still counts each of its failures once.
UNCITED_SUITE = "(no stored document cites these now)"


def render_junit(data: ReportData, options: ReportOptions) -> str:
    by_document: dict[str, list[_Case]] = defaultdict(list)
    for row in data.links:
        for ref in row.citations or (None,):
            case = _Case(row, ref)
            by_document[case.document].append(case)
    root = ET.Element("testsuites", name=visible(options.title))
    for document in sorted(by_document):
        cases = sorted(by_document[document], key=lambda case: (case.row.url, case.lines))
        root.append(_suite(document, cases, options))
    _set_counts(root, root.findall("testsuite"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _suite(document: str, cases: Sequence[_Case], options: ReportOptions) -> ET.Element:
    suite = ET.Element("testsuite", name=visible(document))
    for case in cases:
        suite.append(_testcase(case, options))
    _set_counts(suite, suite.findall("testcase"))
    return suite


def _set_counts(element: ET.Element, children: Sequence[ET.Element]) -> None:
    """tests/failures/errors/skipped/time, summed over test cases or suites."""

    def total(attribute: str, child_tag: str) -> int:
        if element.tag == "testsuites":
            return sum(int(child.get(attribute, "0")) for child in children)
        return sum(1 for child in children if child.find(child_tag) is not None)

    tests = len(children) if element.tag == "testsuite" else total("tests", "")
    element.set("tests", str(tests))
    element.set("failures", str(total("failures", "failure")))
    element.set("errors", str(total("errors", "error")))
    element.set("skipped", str(total("skipped", "skipped")))
    element.set("time", f"{sum(float(child.get('time', '0')) for child in children):.3f}")


def _testcase(case: _Case, options: ReportOptions) -> ET.Element:
    row, ref = case.row, case.ref
    elapsed = row.result.elapsed_ms if row.result and row.result.elapsed_ms else 0.0
    element = ET.Element("testcase", classname=visible(case.document), name=visible(row.url))
    element.set("time", f"{elapsed / 1000:.3f}")
    verdict = row.result.verdict if row.result else None
    details = _details(row, ref)
    if is_failing(row, options):
        failure = ET.SubElement(
            element, "failure", message=_message(row, ref), type=verdict_name(row)
        )
        failure.text = details
    elif verdict is None or verdict == Verdict.SKIPPED:
        ET.SubElement(element, "skipped", message=visible(outcome(row)))
    out = ET.SubElement(element, "system-out")
    out.text = details
    return element


def _message(row: LinkRow, ref: CitationRef | None) -> str:
    cited = f"cited at {where(ref)}" if ref is not None else "cited by no stored document now"
    return visible(f"{verdict_name(row)}: {row.url} ({outcome(row)}) {cited}")


def _details(row: LinkRow, ref: CitationRef | None) -> str:
    details = [
        f"url: {row.url}",
        f"verdict: {verdict_name(row)}",
        f"outcome: {outcome(row)}",
        f"lines: {(lines_text(ref.lines) if ref is not None else '') or 'unknown'}",
    ]
    final = moved_to(row)
    if final is not None:
        details.append(f"final url: {final}")
    note = archive_note(row)
    if note is not None and row.snapshot is not None:
        details.append(f"archived copy: {row.snapshot.archive_url} ({note})")
    # ElementTree escapes only <, > and &: a control character in a value would make
    # the document ill-formed, so each value line goes through visible() (the line
    # breaks between them are the layout, and allowed in XML).
    return "\n".join(map(visible, details))
