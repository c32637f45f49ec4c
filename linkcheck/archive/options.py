"""Settings of the Wayback Machine adapter, with their defaults.

``config.py`` builds an :class:`ArchiveOptions` from file, environment and
flags; the adapter never reads the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

DEFAULT_BASE_URL = "https://web.archive.org"
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (compatible; linkcheck-citations/0.1; "
    "+https://pypi.org/project/linkcheck-citations/)"
)


@dataclass(frozen=True)
class ArchiveOptions:
    """How the adapter talks to the archive.

    The archive firewalls clients that keep calling after 429 answers, so the
    pacing defaults are deliberately slow; every request to ``base_url`` (CDX,
    raw pages, Save Page Now) waits for the same pacer.
    """

    #: every archive call (CDX, ``id_`` pages, SPN2) goes to this base
    base_url: str = DEFAULT_BASE_URL
    #: archive requests per second at most (CDX look-ups, raw pages and SPN2 alike)
    cdx_rate: float = 0.5
    #: seconds one archive request may take, enforced by us (waybackpy sets no timeout)
    call_timeout: float = 30.0
    #: bytes of one capture-index answer read at most; more is an archive failure.  A
    #: query asks for ``max_candidates`` lines of a few hundred bytes, so this is ample
    max_index_bytes: int = 2 * 1024 * 1024
    #: threads for the synchronous waybackpy; hung calls cannot pile up beyond this
    max_workers: int = 2
    #: captures to try per direction when a capture turns out to be a "not found" page
    max_candidates: int = 5
    #: a live URL is saved only if its newest capture is older than this
    save_if_not_archived_within: timedelta = timedelta(days=30)
    #: Save Page Now jobs submitted at most in 24 hours (None: no cap); the adapter is
    #: told how many earlier runs used (``Wayback(saves_already_taken_up=...)``)
    save_daily_cap: int | None = None
    save_poll_interval: float = 5.0
    save_poll_timeout: float = 120.0
    #: Save Page Now credentials; only ever taken from the environment, never shown
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    #: this many 429 answers in a row stop all archive calls for the run
    give_up_after_429s: int = 3
    #: this many look-ups in a row failing on an unreachable or hanging archive stop it too
    give_up_after_failures: int = 3
    #: a Retry-After longer than this is not waited out: the archive is given up for the run
    max_retry_after: float = 120.0
    user_agent: str = DEFAULT_USER_AGENT

    @property
    def base(self) -> str:
        """The base URL without a trailing slash, ready for joining paths."""
        return self.base_url.rstrip("/")

    @property
    def has_credentials(self) -> bool:
        return bool(self.access_key) and bool(self.secret_key)
