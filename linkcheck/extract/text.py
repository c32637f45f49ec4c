"""Plain text: every bare URL is an inline citation (trimming rules live in ``linkcheck.urls``)."""

from __future__ import annotations

from linkcheck.extract.found import Findings, bare_links, line_starts


def read_text(text: str) -> Findings:
    return Findings(tuple(bare_links(text, line_starts(text))))
