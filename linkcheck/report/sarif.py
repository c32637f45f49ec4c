"""SARIF 2.1.0 for code-scanning dashboards.

One rule per verdict worth reporting; one result per citing line, each with
its one location: SARIF reserves several locations for a problem that can only
be fixed at all of them together (and GitHub code scanning shows only the
first), while each citation of a dead URL is fixed on its own.  Failing
verdicts are level ``error``, the others ``warning``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.summary import (
    LINK_TITLES,
    QUIET_VERDICTS,
    VERDICT_ORDER,
    archive_note,
    by_severity,
    is_excused,
    moved_to,
    outcome,
    sorted_citations,
    title_of,
)
from linkcheck.types import LinkRow, Verdict

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_URI = "https://github.com/linkcheck-citations/linkcheck"

#: What each reportable verdict means, for the rule's description.
RULE_TEXT: dict[Verdict, str] = {
    Verdict.DEAD: "The cited page is gone: 404 or 410, or its host no longer exists.",
    Verdict.SOFT_404: "The cited page answers, but shows a 'not found' page or the site's home.",
    Verdict.ERROR: "The cited page could not be checked: timeout, refused, TLS or server error.",
    Verdict.BLOCKED: "The site refused the check (401, 403, 429, bot challenge).",
    Verdict.MOVED: "The cited page moved permanently: the citation should be updated.",
    Verdict.INVALID: "The cited URL is malformed or unsupported.",
}

JsonObject = dict[str, Any]


def render_sarif(data: ReportData, options: ReportOptions) -> str:
    verdicts = [verdict for verdict in VERDICT_ORDER if verdict not in QUIET_VERDICTS]
    rules = [_rule(verdict, options) for verdict in verdicts]
    results = [
        result
        for row in by_severity(data.links)
        if row.result is not None and row.result.verdict in verdicts
        for result in _results(row, verdicts.index(row.result.verdict), options)
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "linkcheck", "informationUri": TOOL_URI, "rules": rules}
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _level(verdict: Verdict, options: ReportOptions) -> str:
    return "error" if verdict in options.fail_on else "warning"


def _rule(verdict: Verdict, options: ReportOptions) -> JsonObject:
    return {
        "id": str(verdict),
        "name": "".join(word.title() for word in str(verdict).split("_")) + "Link",
        "shortDescription": {"text": LINK_TITLES[verdict]},
        "fullDescription": {"text": RULE_TEXT[verdict]},
        "defaultConfiguration": {"level": _level(verdict, options)},
    }


def _results(row: LinkRow, rule_index: int, options: ReportOptions) -> list[JsonObject]:
    """One result per line citing the link, each with its own location."""
    assert row.result is not None  # only checked links are reported
    verdict = row.result.verdict
    message = _message(row)
    level = _level(verdict, options)
    if is_excused(row, options):  # as the exit code: no alert that fails a pull request
        level = "note"
        message += " Not counted: already failing in the baseline, or ignored."
    shared = {
        "ruleId": str(verdict),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": message},
    }
    properties = {"url": row.url, "finalUrl": row.result.final_url}
    if not row.citations:  # a report of an older run: no stored document cites it now
        return [
            {**shared, "partialFingerprints": {"citedUrl/v1": row.url}, "properties": properties}
        ]
    return [
        {
            **shared,
            "locations": [_location(ref.document, line)],
            # Lets a dashboard recognise the same finding across runs: the URL and
            # which of its citations in the file this is (stable when lines move).
            "partialFingerprints": {"citedUrl/v1": f"{row.url}#{occurrence}"},
            "properties": properties,
        }
        for ref in sorted_citations(row)
        for occurrence, line in enumerate(ref.lines or (None,), start=1)
    ]


def _location(document: str, line: int | None) -> JsonObject:
    physical: JsonObject = {"artifactLocation": {"uri": quote(document, safe="/")}}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _message(row: LinkRow) -> str:
    parts = [f"{title_of(row)}: {row.url}: {outcome(row)}."]
    final = moved_to(row)
    if final is not None:
        parts.append(f"It now leads to {final}.")
    note = archive_note(row)
    if note is not None and row.snapshot is not None:
        parts.append(f"Archived copy ({note}): {row.snapshot.archive_url}")
    return " ".join(parts)
