"""From what one attempt at a link observed to a verdict (DESIGN.md, "Words").

Pure: no I/O, no aiohttp.  The client gathers an :class:`Observation`; :func:`judge`
decides.  The rules, in the order they apply:

1. a transport failure decides alone (``invalid``, ``skipped``, ``dead`` for a
   host name that does not exist, else ``error``);
2. a status listed as accepted is ``alive``;
3. a bot challenge is ``blocked`` whatever its status;
4. a 2xx answer is ``soft_404`` when the page is gone in disguise, ``moved`` when a
   permanent redirect led to a different resource, else ``alive``;
5. 404 and 410 are ``dead`` (never on HEAD alone), the paywall and bot-wall codes
   are ``blocked``, anything else is ``error``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from yarl import URL

from linkcheck.types import ErrorKind, Hop, Verdict

PERMANENT_REDIRECTS = frozenset({301, 308})
GONE_STATUSES = frozenset({404, 410})
#: Paywalls, logins, bot walls, legal blocks, LinkedIn's 999, and rate limits
#: still there after the retries: the page may well be alive, we could not see it.
BLOCKED_STATUSES = frozenset({401, 402, 403, 407, 429, 451, 999})

#: A path or query that announces an error page ("/404.html", "/not-found", "?error=404").
_NOT_FOUND_URL = re.compile(
    r"(?:^|[/_.=?&-])(?:404|not[-_]?found|page[-_]?not[-_]?found|error[-_]?404)(?:$|[/_.?&=-])",
    re.IGNORECASE,
)
#: Paths that are a site's home page.
_ROOT_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.php", "/home", "/home/"})


@dataclass(frozen=True, slots=True)
class Observation:
    """What one attempt at one URL saw (the client fills it in).

    ``hops`` holds every response received, in order.  With ``error_kind`` set
    the attempt ended in a transport failure (possibly after some hops) and has
    no final status.
    """

    url: str
    hops: tuple[Hop, ...] = ()
    final_url: str | None = None
    method: str = "GET"
    error_kind: ErrorKind | None = None
    error: str | None = None
    #: The DNS answered that the name does not exist (NXDOMAIN), not "try later".
    name_not_found: bool = False
    title: str | None = None
    #: The body's title or main heading says the page is not found.
    page_says_not_found: bool = False
    #: A bot challenge (Cloudflare's "Just a moment...", ``cf-mitigated: challenge``).
    challenge: bool = False
    fingerprint: str | None = None
    #: The final response's raw ``Retry-After`` header.
    retry_after: str | None = None

    @property
    def status(self) -> int | None:
        """The final answer's status code, if the attempt got one."""
        if self.error_kind is not None or not self.hops:
            return None
        return self.hops[-1].status_code


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    error_kind: ErrorKind | None = None
    #: Why, in words, for anything but a plain ``alive``.
    reason: str | None = None


_ALIVE = Judgement(Verdict.ALIVE)


def judge(observation: Observation, accepted: frozenset[int] = frozenset()) -> Judgement:
    """The verdict on one attempt; ``accepted`` non-2xx status codes count as alive."""
    if observation.error_kind is not None:
        return _judge_failure(observation, observation.error_kind)
    status = observation.status
    if status is None:
        return Judgement(Verdict.ERROR, ErrorKind.PROTOCOL, "no response")
    if observation.challenge:
        return Judgement(Verdict.BLOCKED, ErrorKind.HTTP_STATUS, f"bot challenge (HTTP {status})")
    if 200 <= status < 300:
        # Accepting 200 must not switch off soft-404 and moved detection.
        return _judge_success(observation)
    if status in accepted:
        return _ALIVE
    return _judge_status(status, observation.method)


def _judge_failure(observation: Observation, kind: ErrorKind) -> Judgement:
    reason = observation.error
    if kind is ErrorKind.INVALID_URL:
        return Judgement(Verdict.INVALID, kind, reason)
    if kind in (ErrorKind.EXCLUDED, ErrorKind.PRIVATE_ADDRESS):
        return Judgement(Verdict.SKIPPED, kind, reason)
    if kind is ErrorKind.DNS and observation.name_not_found:
        return Judgement(Verdict.DEAD, kind, reason)
    return Judgement(Verdict.ERROR, kind, reason)


def _judge_status(status: int, method: str) -> Judgement:
    reason = f"HTTP {status}"
    if status in GONE_STATUSES:
        # A HEAD answer is only a hint: some servers answer HEAD wrongly.
        verdict = Verdict.DEAD if method == "GET" else Verdict.ERROR
        return Judgement(verdict, ErrorKind.HTTP_STATUS, reason)
    if status in BLOCKED_STATUSES:
        return Judgement(Verdict.BLOCKED, ErrorKind.HTTP_STATUS, reason)
    return Judgement(Verdict.ERROR, ErrorKind.HTTP_STATUS, reason)


def _judge_success(observation: Observation) -> Judgement:
    soft_404 = soft_404_reason(observation)
    if soft_404 is not None:
        return Judgement(Verdict.SOFT_404, None, soft_404)
    moved_to = permanent_move(observation.hops)
    if moved_to is not None:
        return Judgement(Verdict.MOVED, None, f"moved permanently to {moved_to}")
    return _ALIVE


def soft_404_reason(observation: Observation) -> str | None:
    """Why a 2xx answer is really a "not found" page, or ``None`` if it looks genuine."""
    if observation.page_says_not_found:
        return "the page says it is not found"
    if len(observation.hops) < 2 or observation.final_url is None:
        return None
    start, final = URL(observation.url), URL(observation.final_url)
    if _is_deep(start) and not _is_deep(final):
        return "a deep URL redirected to the site's home page"
    if _says_not_found(final) and not _says_not_found(start):
        return "redirected to an error page"
    return None


def _is_deep(url: URL) -> bool:
    return url.raw_path not in _ROOT_PATHS or bool(url.raw_query_string)


def _says_not_found(url: URL) -> bool:
    return _NOT_FOUND_URL.search(url.raw_path_qs) is not None


def permanent_move(hops: tuple[Hop, ...]) -> str | None:
    """Where a permanent redirect led to a different resource, or ``None``.

    Trivial moves are not moves: http→https, a trailing slash, ``www.``, default
    ports and letter case name the same resource.
    """
    for hop, following in pairwise(hops):
        if hop.status_code in PERMANENT_REDIRECTS and not same_resource(hop.url, following.url):
            return following.url
    return None


def same_resource(a: str, b: str) -> bool:
    """Whether two URLs differ only trivially (scheme, ``www.``, trailing slash, case)."""
    return _resource_key(URL(a)) == _resource_key(URL(b))


def _resource_key(url: URL) -> tuple[str, str, str]:
    host = (url.host or "").lower().removeprefix("www.")
    path = url.raw_path.rstrip("/").lower()
    return host, path, url.raw_query_string
