"""Passwords in cited URLs stay out of reports, which often end up in public CI logs."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from linkcheck.types import CheckResult, Hop, LinkRow


def redact_url(url: str) -> str:
    """``https://user:secret@host/`` → ``https://user:***@host/``; other URLs unchanged."""
    if "@" not in url:
        return url  # the common case, decided without parsing
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


def redact_row(row: LinkRow) -> LinkRow:
    """The row with every URL in it redacted (the same object when nothing needs it)."""
    result = row.result
    if "@" not in row.url and (result is None or not _may_hold_password(result)):
        return row  # nearly every row, decided without building anything
    return replace(row, url=redact_url(row.url), result=_redact_result(result))


def _may_hold_password(result: CheckResult) -> bool:
    if result.final_url is not None and "@" in result.final_url:
        return True
    return any("@" in hop.url or "@" in (hop.location or "") for hop in result.hops)


def _redact_result(result: CheckResult | None) -> CheckResult | None:
    if result is None:
        return None
    return replace(
        result,
        url=redact_url(result.url),
        final_url=redact_url(result.final_url) if result.final_url else None,
        hops=tuple(_redact_hop(hop) for hop in result.hops),
    )


def _redact_hop(hop: Hop) -> Hop:
    location = redact_url(hop.location) if hop.location else None
    return Hop(redact_url(hop.url), hop.status_code, location)
