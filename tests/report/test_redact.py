"""Passwords in cited URLs never reach a report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from linkcheck.report.redact import redact_row, redact_url
from linkcheck.types import CheckResult, Hop, LinkRow, Verdict


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://ann:s3cret@example.org/a", "https://ann:***@example.org/a"),
        ("https://ann@example.org/a", "https://ann@example.org/a"),  # no password
        ("https://example.org/@handle", "https://example.org/@handle"),
        ("https://example.org/a", "https://example.org/a"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_every_url_of_a_row_is_redacted_and_clean_rows_are_untouched() -> None:
    secret = "https://ann:s3cret@example.org/old"
    result = CheckResult(
        url=secret,
        verdict=Verdict.MOVED,
        checked_at=datetime(2026, 1, 1, tzinfo=UTC),
        final_url="https://ann:s3cret@example.org/new",
        hops=(Hop(secret, 301, "https://ann:s3cret@example.org/new"),),
    )
    shown = redact_row(LinkRow(url=secret, citations=(), result=result))
    assert "s3cret" not in repr(shown)
    clean = LinkRow(url="https://example.org/", citations=())
    assert redact_row(clean) is clean
