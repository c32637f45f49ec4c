"""The checker's options and their defaults (``config.py`` builds them from file, env, flags)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from linkcheck.check.scheduler import Limits
from linkcheck.errors import ConfigError

#: Browser-compatible (sites that sniff for ``Mozilla/`` let it through) yet it
#: names linkcheck and where to read about it, as polite crawlers do.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (compatible; linkcheck/0.1; +https://github.com/linkcheck-citations/linkcheck)"
)

#: Stable public names resolved to tell "this host does not exist" from "there is no network".
DEFAULT_CANARIES = ("example.com", "iana.org", "wikipedia.org")


def _empty_mapping() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before asking a failing server again.

    ``max_attempts`` counts the first request.  The wait before attempt *n+1* is
    ``min(backoff_max, backoff_base * 2**(n-1))`` plus up to ``jitter`` seconds of
    random spread, unless the server sent ``Retry-After``: that is honoured when it
    is at most ``retry_after_cap`` seconds; a longer demand ends the retries (the
    answer stays what it was) rather than knocking again too early.
    """

    max_attempts: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    jitter: float = 1.0
    retry_after_cap: float = 60.0


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """Everything that decides how links are checked.

    Timeouts are in seconds.  ``total_timeout`` bounds one attempt at one link:
    every redirect hop and the body sniff together (time spent waiting for a
    scheduler slot is not counted, retry waits neither).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 30.0
    max_redirects: int = 10
    #: How much of an HTML body is read for the title, soft-404 signals and fingerprint.
    max_body_bytes: int = 256 * 1024
    user_agent: str = DEFAULT_USER_AGENT
    #: Ask with HEAD first (a 2xx answer is taken; anything else is asked again with GET).
    head_first: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: Status codes that count as alive everywhere, and per host name (lower case).
    accepted_statuses: frozenset[int] = frozenset()
    host_accepted_statuses: Mapping[str, frozenset[int]] = field(default_factory=_empty_mapping)
    #: Regular expressions (searched in the URL): matching links are skipped unasked.
    exclude: tuple[str, ...] = ()
    #: Refuse targets that resolve to loopback, private, link-local or reserved addresses.
    exclude_private: bool = False
    limits: Limits = field(default_factory=Limits)
    #: Extra request headers per host name (lower case), e.g. an API token or a cookie.
    host_headers: Mapping[str, Mapping[str, str]] = field(default_factory=_empty_mapping)
    verify_tls: bool = True
    network_canaries: tuple[str, ...] = DEFAULT_CANARIES
    #: How long an answer of the "is there any network?" probe is trusted.
    network_probe_ttl: float = 60.0
    #: Links in a row on one host that end timed out, refused or reset (after their
    #: retries) before its other links are reported unasked (0: never); see ``breaker``.
    host_down_after: int = 5

    def accepted_for(self, host: str) -> frozenset[int]:
        """The status codes accepted as alive for ``host``."""
        extra = self.host_accepted_statuses.get(host)
        return self.accepted_statuses | extra if extra else self.accepted_statuses


def exclusion_pattern(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regular expression for the ``exclude`` patterns (``None`` without any)."""
    if not patterns:
        return None
    try:
        return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    except re.error as exc:
        raise ConfigError(f"an exclude pattern is not a valid regular expression: {exc}") from exc
