"""The Wayback Machine adapter: the only code that knows the archive.

* Capture look-ups go to the CDX server through waybackpy's
  ``WaybackMachineCDXServerAPI``, run in a bounded thread pool (waybackpy is
  synchronous) under our own timeout.  We send its one request ourselves, so
  that the answer is read only up to ``max_index_bytes`` and must look like a
  capture index: anything else (an HTML page from a wrong base URL, a stray
  404) is archive trouble, never "no captures".
* Raw archived pages (``/web/<timestamp>id_/<url>``) and Save Page Now 2 go
  through aiohttp.
* Every request waits for one :class:`~linkcheck.archive.pacing.Pacer`, and
  every foreign exception (requests, waybackpy, aiohttp) is translated here into
  one small vocabulary, :class:`ArchiveTrouble` and its kinds.
* Sustained 429s, or an archive that keeps refusing connections or hanging,
  stop all archive calls for the rest of the run: the archive firewalls clients
  that keep knocking, and a run must finish in bounded time whatever it does.

Archive trouble never raises out of :meth:`Wayback.lookup` or
:meth:`Wayback.save`: it comes back as data (``Snapshot.error``,
``SaveOutcome.error``).  The one exception is saving without credentials,
which is a usage problem of the whole run (:class:`~linkcheck.errors.ArchiveError`).
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import Awaitable, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp
import requests
from waybackpy import WaybackMachineCDXServerAPI
from waybackpy.cdx_utils import full_url
from waybackpy.exceptions import WaybackError

from linkcheck.archive.choose import (
    Candidate,
    Capture,
    CitationPoint,
    format_timestamp,
    parse_timestamp,
    rank_candidates,
)
from linkcheck.archive.options import ArchiveOptions
from linkcheck.archive.pacing import Clock, Pacer, Sleep
from linkcheck.errors import ArchiveError
from linkcheck.headers import parse_retry_after
from linkcheck.sizes import byte_size
from linkcheck.types import (
    Event,
    Notice,
    RetryScheduled,
    SaveFinished,
    SaveOutcome,
    SaveStatus,
    Snapshot,
    SnapshotDirection,
    SnapshotFound,
)

T = TypeVar("T")

MISSING_CREDENTIALS = (
    "saving to the Wayback Machine needs Save Page Now credentials: set "
    "LINKCHECK_WAYBACK_ACCESS_KEY and LINKCHECK_WAYBACK_SECRET_KEY "
    "(the S3-style keys of an archive.org account)"
)
GAVE_UP = "archive unavailable for the rest of this run"
#: how much of an archived page is read to judge whether it is a "not found" page
MAX_PAGE_BYTES = 512 * 1024
#: backoff after a 429 that names no Retry-After, doubled on each one in a row
DEFAULT_429_BACKOFF = 60.0
CDX_GOOD_STATUS_FILTER = "statuscode:2.."
#: bytes read from the socket at a time while the capture-index answer is capped
INDEX_CHUNK_BYTES = 64 * 1024
#: what the Wayback Machine's index answers for an excluded URL (as waybackpy checks it)
BLOCKED_SITE_MARK = "AdministrativeAccessControlException: Blocked Site Error"
#: pywb answers a URL it holds nothing of with HTTP 404 and this message (lowercased)
PYWB_NO_CAPTURES_MARK = "no captures found for"
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
WRONG_ADDRESS_HINT = "is the archive's base URL right?"

#: Save Page Now ``status_ext`` codes that mean something other than plain failure
SAVE_STATUS_BY_EXT = {
    "error:too-many-daily-captures": SaveStatus.CAPTURED_TODAY,
    "error:user-session-limit": SaveStatus.RETRY_LATER,
    "error:blocked-url": SaveStatus.REFUSED,
}


# --------------------------------------------------------------------------- error vocabulary


class ArchiveTrouble(Exception):
    """The archive could not answer one request; the message is fit for users."""


class RateLimited(ArchiveTrouble):
    """HTTP 429: the archive asks us to slow down."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("the archive is rate limiting us (HTTP 429)")
        self.retry_after = retry_after


class Unreachable(ArchiveTrouble):
    """No connection: refused, reset, name not found."""


class TimedOut(ArchiveTrouble):
    """The archive did not answer in time."""


class ServerFailure(ArchiveTrouble):
    """The archive answered 5xx."""


class BadAnswer(ArchiveTrouble):
    """The archive answered something we cannot use."""


class NotAnIndex(BadAnswer):
    """The capture index answered something that is no capture index at all.

    Usually the base URL points somewhere else (a typo, a trailing ``/web``), so
    every look-up of the run would get the same answer.
    """


class Excluded(ArchiveTrouble):
    """The archive excludes this URL (robots.txt or an owner's request)."""


class GaveUp(ArchiveTrouble):
    """Archive calls are stopped for the rest of the run."""


#: trouble that says the archive as a whole is down or not there, not just this one request
DOWN_TROUBLE = (Unreachable, TimedOut, ServerFailure, NotAnIndex)


def trouble_from_requests(exc: requests.RequestException) -> ArchiveTrouble:
    """Translate a requests failure, most specific first (ConnectTimeout is both)."""
    if isinstance(exc, requests.Timeout):
        return TimedOut("the archive did not answer in time")
    if isinstance(exc, requests.ConnectionError):
        return Unreachable(f"cannot reach the archive: {type(exc).__name__}")
    return BadAnswer(f"archive request failed: {type(exc).__name__}")


def trouble_from_aiohttp(exc: aiohttp.ClientError | TimeoutError) -> ArchiveTrouble:
    """Translate an aiohttp failure, most specific first."""
    if isinstance(exc, TimeoutError):  # ServerTimeoutError is a TimeoutError too
        return TimedOut("the archive did not answer in time")
    if isinstance(exc, aiohttp.ClientConnectionError):
        return Unreachable(f"cannot reach the archive: {type(exc).__name__}")
    return BadAnswer(f"archive request failed: {type(exc).__name__}")


def check_http_status(status: int, retry_after: str | None) -> None:
    """Raise the trouble an HTTP status means for any archive endpoint."""
    if status == 429:
        raise RateLimited(parse_retry_after(retry_after, datetime.now(UTC)))
    if status >= 500:
        raise ServerFailure(f"the archive answered HTTP {status}")


# --------------------------------------------------------------------------- CDX via waybackpy


class OneRequestCDX(WaybackMachineCDXServerAPI):
    """waybackpy's CDX client, sending exactly one bounded, timed request per query.

    waybackpy 3.0.6 builds the query and parses the 7-field lines well, but its
    request loop follows resume keys until the index is exhausted, gives
    requests no timeout, reads the whole answer however big, retries 5xx by
    itself outside our pacing, and ignores the HTTP status (a 429 page would
    read as "no captures").  Only that loop is replaced; the query string is
    still built by waybackpy's own ``full_url``.
    """

    def __init__(
        self, url: str, *, endpoint: str, timeout: float, max_bytes: int, **kwargs: Any
    ) -> None:
        super().__init__(url, **kwargs)
        self.endpoint = endpoint
        self._timeout = timeout
        self._max_bytes = max_bytes

    def cdx_api_manager(
        self, payload: dict[str, str], headers: dict[str, str]
    ) -> Generator[str, None, None]:
        payload["limit"] = str(self.limit)
        request_url = full_url(self.endpoint, params=payload)
        self.last_api_request_url = request_url
        answer = fetch_index_answer(
            request_url, headers, timeout=self._timeout, max_bytes=self._max_bytes
        )
        yield capture_lines(answer)


@dataclass(frozen=True, slots=True)
class IndexAnswer:
    """One answer of the capture index, its body already read (within the cap)."""

    status: int
    media_type: str
    text: str
    retry_after: str | None


def fetch_index_answer(
    address: str, headers: dict[str, str], *, timeout: float, max_bytes: int
) -> IndexAnswer:
    """Blocking: one GET of the capture index, reading at most ``max_bytes`` of its body.

    Streamed so that a runaway answer costs ``max_bytes`` of memory, not its
    size; the deadline stops a body that trickles in forever (requests' own
    timeout is per read), since the worker thread outlives our ``wait_for``.
    """
    deadline = time.monotonic() + timeout
    with requests.get(
        address, headers=headers, timeout=timeout, allow_redirects=False, stream=True
    ) as response:
        body = bytearray()
        for chunk in response.iter_content(INDEX_CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise BadAnswer(f"the archive's answer exceeded {byte_size(max_bytes)}")
            if time.monotonic() > deadline:
                raise TimedOut("the archive did not answer in time")
        content_type = response.headers.get("Content-Type", "")
        return IndexAnswer(
            status=response.status_code,
            media_type=content_type.partition(";")[0].strip().lower(),
            text=_decode(bytes(body), _declared_charset(content_type)),
            retry_after=response.headers.get("Retry-After"),
        )


def capture_lines(answer: IndexAnswer) -> str:
    """The CDX lines of an answer ("" when there are no captures), or the trouble it means."""
    if BLOCKED_SITE_MARK in answer.text:
        raise Excluded("the archive excludes this URL")
    check_http_status(answer.status, answer.retry_after)
    if answer.status == 404 and PYWB_NO_CAPTURES_MARK in answer.text.lower():
        return ""
    if answer.status != 200:
        raise NotAnIndex(_not_an_index(f"HTTP {answer.status}"))
    if answer.media_type in HTML_MEDIA_TYPES:
        raise NotAnIndex(_not_an_index("an HTML page"))
    for line in answer.text.splitlines():
        # waybackpy skips short lines silently: an error page would read as "no captures".
        if line.strip() and not _is_cdx_line(line):
            raise NotAnIndex(_not_an_index(f"a line reads {line[:60]!r}"))
    return answer.text


def _is_cdx_line(line: str) -> bool:
    """urlkey, 14-digit timestamp, original, mimetype, status, digest, length."""
    fields = line.split(" ")
    return len(fields) == 7 and len(fields[1]) == 14 and fields[1].isdigit()


def _not_an_index(what: str) -> str:
    return f"the archive's answer is not a capture index ({what}): {WRONG_ADDRESS_HINT}"


def _declared_charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


@dataclass(frozen=True, slots=True)
class CdxQuery:
    """One capture-index query: exact 14-digit bounds, a signed limit (negative: the last N)."""

    url: str
    limit: int
    start: str | None = None
    end: str | None = None


def run_cdx_query(
    query: CdxQuery, *, endpoint: str, user_agent: str, timeout: float, max_bytes: int
) -> list[Capture]:
    """Blocking: ask the capture index for good captures of one URL (runs in a worker thread)."""
    try:
        api = OneRequestCDX(
            query.url,
            endpoint=endpoint,
            timeout=timeout,
            max_bytes=max_bytes,
            user_agent=user_agent,
            start_timestamp=query.start,
            end_timestamp=query.end,
            filters=[CDX_GOOD_STATUS_FILTER],
            limit=str(query.limit),
        )
        return [Capture(s.timestamp, s.original, s.statuscode) for s in api.snapshots()]
    except ArchiveTrouble:
        raise
    except WaybackError as exc:
        raise BadAnswer(f"unreadable capture index: {exc}") from exc
    except requests.RequestException as exc:
        raise trouble_from_requests(exc) from exc
    except ValueError as exc:  # a timestamp that is not 14 digits
        raise BadAnswer(f"unreadable capture index: {exc}") from exc


# --------------------------------------------------------------------------- archive health


class ArchiveHealth:
    """Counts trouble in a row and decides when to stop calling the archive for the run."""

    def __init__(self, options: ArchiveOptions) -> None:
        self._options = options
        self._429s_in_a_row = 0
        self._failures_in_a_row = 0
        self.gave_up: str | None = None

    def check(self) -> None:
        if self.gave_up is not None:
            raise GaveUp(f"{GAVE_UP} ({self.gave_up})")

    def answered(self) -> None:
        self._429s_in_a_row = 0
        self._failures_in_a_row = 0

    def rate_limited(self, retry_after: float | None) -> float:
        """Seconds to hold off after a 429; gives up when 429s are sustained."""
        self._429s_in_a_row += 1
        n = self._429s_in_a_row
        if n >= self._options.give_up_after_429s:
            self._give_up(f"{n} rate-limit answers (HTTP 429) in a row")
        wait = retry_after if retry_after is not None else DEFAULT_429_BACKOFF * 2 ** (n - 1)
        if wait > self._options.max_retry_after:
            self._give_up(f"asked to wait {wait:.0f} s (HTTP 429)")
        return wait

    def failed(self, trouble: ArchiveTrouble) -> None:
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= self._options.give_up_after_failures:
            self._give_up(f"{self._failures_in_a_row} failures in a row, last: {trouble}")

    def _give_up(self, reason: str) -> None:
        self.gave_up = reason
        self.check()


# --------------------------------------------------------------------------- the adapter


def utc_now() -> datetime:
    return datetime.now(UTC)


class Wayback:
    """Looks up the right archived copy of a URL, and asks the archive to save live ones.

    Use as an async context manager: it owns an aiohttp session and a small
    thread pool for waybackpy.  ``is_not_found`` judges the text of an archived
    page ("is this a 'not found' page?"); without it, captures are trusted on
    their recorded status alone.
    """

    def __init__(
        self,
        options: ArchiveOptions,
        *,
        is_not_found: Callable[[str], bool] | None = None,
        on_event: Callable[[Event], None] | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], datetime] = utc_now,
        saves_already_taken_up: int = 0,
    ) -> None:
        self.options = options
        self._is_not_found = is_not_found
        self._on_event = on_event
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._pacer = Pacer(options.cdx_rate, clock=clock, sleep=sleep)
        self._health = ArchiveHealth(options)
        #: Counted against ``save_daily_cap``: other runs' saves of the last 24 hours too.
        self._saves_submitted = saves_already_taken_up
        self._pool: ThreadPoolExecutor | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._pool = ThreadPoolExecutor(
            max_workers=self.options.max_workers, thread_name_prefix="linkcheck-wayback"
        )
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.options.call_timeout),
            headers={"User-Agent": self.options.user_agent},
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
        if self._pool is not None:
            # A thread stuck in a call cannot be killed; requests' own timeout ends it.
            self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def gave_up(self) -> str | None:
        """Why archive calls were stopped for this run, or None while they go on."""
        return self._health.gave_up

    # ----------------------------------------------------------------------- look-ups

    async def lookup(
        self, url: str, cited_at: date | None, *, last_alive: datetime | None = None
    ) -> Snapshot:
        """The archived copy that best stands for ``url`` as cited.

        Never raises for archive trouble: it comes back in ``Snapshot.error``.
        """
        point = CitationPoint.from_inputs(cited_at, last_alive)
        looked_up_at = self._now()
        cited_on = point.cited_on if point is not None else None
        try:
            chosen = await self._choose(url, point)
        except Excluded:
            chosen = None
        except ArchiveTrouble as trouble:
            self._emit(Notice(f"archive look-up failed for {url}: {trouble}"))
            return Snapshot(
                url=url,
                looked_up_at=looked_up_at,
                direction=SnapshotDirection.NONE,
                cited_at=cited_on,
                error=str(trouble),
            )
        snapshot = self._snapshot(url, looked_up_at, cited_on, chosen)
        self._emit(SnapshotFound(snapshot))
        return snapshot

    async def latest_capture(self, url: str) -> datetime | None:
        """When the archive last captured ``url`` with a 2xx answer.

        None when it never did, or when the archive could not answer (saves
        still pass ``if_not_archived_within``, so the archive itself declines a
        redundant capture).
        """
        try:
            captures = await self._captures(CdxQuery(url, limit=-1))
        except ArchiveTrouble as trouble:
            self._emit(Notice(f"archive look-up failed for {url}: {trouble}"))
            return None
        return max((c.captured_at for c in captures if c.is_good), default=None)

    async def needs_save(self, url: str) -> bool:
        """Whether ``url`` has no good capture within ``save_if_not_archived_within``."""
        latest = await self.latest_capture(url)
        return latest is None or self._now() - latest > self.options.save_if_not_archived_within

    async def _choose(self, url: str, point: CitationPoint | None) -> Candidate | None:
        n = self.options.max_candidates
        if point is None:
            plan = [(CdxQuery(url, limit=-n), SnapshotDirection.UNDATED)]
        else:
            cutoff, after = format_timestamp(point.cutoff), format_timestamp(point.first_after)
            # The "after" query is sent only when nothing before the citation will do.
            plan = [
                (CdxQuery(url, limit=-n, end=cutoff), SnapshotDirection.BEFORE),
                (CdxQuery(url, limit=n, start=after), SnapshotDirection.AFTER),
            ]
        for query, direction in plan:
            captures = await self._captures(query)
            for candidate in rank_candidates(captures, point, n):
                if candidate.direction is direction and await self._reads_as_page(url, candidate):
                    return candidate
        return None

    def _snapshot(
        self, url: str, looked_up_at: datetime, cited_on: date | None, chosen: Candidate | None
    ) -> Snapshot:
        if chosen is None:
            return Snapshot(
                url=url,
                looked_up_at=looked_up_at,
                direction=SnapshotDirection.NONE,
                cited_at=cited_on,
            )
        capture = chosen.capture
        return Snapshot(
            url=url,
            looked_up_at=looked_up_at,
            direction=chosen.direction,
            archive_url=self.archive_url(capture.timestamp, url),
            captured_at=capture.captured_at,
            status_code=int(capture.status),
            cited_at=cited_on,
            distance=chosen.distance,
        )

    def archive_url(self, timestamp: str, url: str) -> str:
        """The reader-facing address of one capture."""
        return f"{self.options.base}/web/{timestamp}/{url}"

    def raw_url(self, timestamp: str, url: str) -> str:
        """The capture as it was archived, without the archive's banner or rewriting."""
        return f"{self.options.base}/web/{timestamp}id_/{url}"

    async def _captures(self, query: CdxQuery) -> list[Capture]:
        job = functools.partial(
            run_cdx_query,
            query,
            endpoint=f"{self.options.base}/cdx/search/cdx",
            user_agent=self.options.user_agent,
            timeout=self.options.call_timeout,
            max_bytes=self.options.max_index_bytes,
        )

        async def in_pool() -> list[Capture]:
            loop = asyncio.get_running_loop()
            try:
                return await asyncio.wait_for(
                    loop.run_in_executor(self._require_pool(), job), self.options.call_timeout
                )
            except TimeoutError as exc:
                raise TimedOut("the archive did not answer in time") from exc

        return await self._paced(in_pool, about=query.url)

    async def _reads_as_page(self, url: str, candidate: Candidate) -> bool:
        """Whether the archived page is the source itself, not a "not found" page."""
        if self._is_not_found is None:
            return True
        text = await self._paced(
            lambda: self._fetch_text(self.raw_url(candidate.capture.timestamp, url)), about=url
        )
        return text is not None and not self._is_not_found(text)

    async def _fetch_text(self, address: str) -> str | None:
        """The text of an archived page; None when the archive does not serve it as 2xx."""
        try:
            async with self._require_session().get(address, max_redirects=3) as response:
                check_http_status(response.status, response.headers.get("Retry-After"))
                if not 200 <= response.status < 300:
                    return None
                data = await response.content.read(MAX_PAGE_BYTES)
                return _decode(data, response.charset)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise trouble_from_aiohttp(exc) from exc

    # ----------------------------------------------------------------------- saves

    async def save(self, url: str) -> SaveOutcome:
        """Ask Save Page Now 2 to capture ``url`` and follow the job to its end.

        Raises :class:`ArchiveError` only when no credentials are configured;
        every other outcome, refusals and archive trouble included, is data.
        """
        if not self.options.has_credentials:
            raise ArchiveError(MISSING_CREDENTIALS)
        requested_at = self._now()
        cap = self.options.save_daily_cap
        if cap is not None and self._saves_submitted >= cap:
            outcome = SaveOutcome(
                url,
                requested_at,
                SaveStatus.RETRY_LATER,
                error=f"the cap of {cap} saves in 24 hours is reached",
            )
        else:
            self._saves_submitted += 1  # before the call: saves made at once cannot overshoot
            try:
                outcome = await self._save(url, requested_at)
            except (RateLimited, GaveUp) as trouble:
                outcome = SaveOutcome(url, requested_at, SaveStatus.RETRY_LATER, error=str(trouble))
            except ArchiveTrouble as trouble:
                outcome = SaveOutcome(url, requested_at, SaveStatus.ERROR, error=str(trouble))
            if outcome.status is SaveStatus.RETRY_LATER:
                # The archive did not take the job up: as the next run will count it.
                self._saves_submitted -= 1
        self._emit(SaveFinished(outcome))
        return outcome

    async def _save(self, url: str, requested_at: datetime) -> SaveOutcome:
        within = int(self.options.save_if_not_archived_within.total_seconds())
        form = {"url": url, "if_not_archived_within": str(within), "skip_first_archive": "1"}
        answer = await self._paced(
            lambda: self._spn2("POST", "/save", form), about=url, retry_on_429=False
        )
        job_id = _text(answer.get("job_id"))
        if answer.get("status") == "error" or job_id is None:
            # Refusals often come as HTTP 200 with a JSON error body.
            return self._save_failed(url, requested_at, answer, job_id)
        return await self._poll(url, requested_at, job_id)

    async def _poll(self, url: str, requested_at: datetime, job_id: str) -> SaveOutcome:
        interval = self.options.save_poll_interval
        timeout = self.options.save_poll_timeout
        deadline = self._clock() + timeout
        # Bounded by count as well as by clock, in case the clock stands still.
        for _ in range(max(1, math.ceil(timeout / max(interval, 0.01)))):
            await self._sleep(interval)
            answer = await self._paced(
                lambda: self._spn2("GET", f"/save/status/{job_id}", None), about=url
            )
            status = answer.get("status")
            if status == "success":
                return self._save_succeeded(url, requested_at, answer, job_id)
            if status == "error":
                return self._save_failed(url, requested_at, answer, job_id)
            if self._clock() >= deadline:
                break
        return SaveOutcome(
            url,
            requested_at,
            SaveStatus.PENDING,
            job_id=job_id,
            error=f"the capture was still running after {timeout:.0f} s",
        )

    def _save_succeeded(
        self, url: str, requested_at: datetime, answer: dict[str, Any], job_id: str
    ) -> SaveOutcome:
        timestamp = _text(answer.get("timestamp"))
        try:
            captured_at = parse_timestamp(timestamp) if timestamp else None
        except ValueError:
            captured_at = None
        archive_url = None
        if timestamp and captured_at is not None:
            archive_url = self.archive_url(timestamp, _text(answer.get("original_url")) or url)
        return SaveOutcome(
            url,
            requested_at,
            SaveStatus.SUCCESS,
            job_id=job_id,
            archive_url=archive_url,
            captured_at=captured_at,
        )

    def _save_failed(
        self, url: str, requested_at: datetime, answer: dict[str, Any], job_id: str | None
    ) -> SaveOutcome:
        status_ext = _text(answer.get("status_ext"))
        message = _text(answer.get("message")) or status_ext or "the archive gave no job id"
        return SaveOutcome(
            url,
            requested_at,
            SAVE_STATUS_BY_EXT.get(status_ext or "", SaveStatus.ERROR),
            job_id=job_id,
            status_ext=status_ext,
            error=message,
        )

    async def _spn2(self, method: str, path: str, form: dict[str, str] | None) -> dict[str, Any]:
        """One Save Page Now 2 request, answered with a JSON object."""
        headers = {
            "Accept": "application/json",
            # Built per request so the secret lives in no long-lived object but the options.
            "Authorization": f"LOW {self.options.access_key}:{self.options.secret_key}",
        }
        address = f"{self.options.base}{path}"
        try:
            async with self._require_session().request(
                method, address, data=form, headers=headers, allow_redirects=False
            ) as response:
                check_http_status(response.status, response.headers.get("Retry-After"))
                if response.status in (401, 403):
                    raise BadAnswer(f"the archive refused the credentials (HTTP {response.status})")
                if response.status >= 400:
                    raise BadAnswer(f"Save Page Now answered HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise trouble_from_aiohttp(exc) from exc
        except ValueError as exc:  # not JSON
            raise BadAnswer("Save Page Now answered something that is not JSON") from exc
        if not isinstance(body, dict):
            raise BadAnswer("Save Page Now answered JSON that is not an object")
        return body

    # ----------------------------------------------------------------------- pacing and health

    async def _paced(
        self, request: Callable[[], Awaitable[T]], *, about: str, retry_on_429: bool = True
    ) -> T:
        """Send one request in its turn; back off on 429s and track the archive's health."""
        for attempt in range(1, self.options.give_up_after_429s + 1):
            self._health.check()
            await self._pacer.turn()
            try:
                result = await request()
            except RateLimited as limited:
                wait = self._rate_limited(limited)
                if not retry_on_429:
                    raise
                reason = "archive rate limit (HTTP 429)"
                self._emit(
                    RetryScheduled(url=about, attempt=attempt, wait_seconds=wait, reason=reason)
                )
                continue
            except DOWN_TROUBLE as trouble:
                self._record_failure(trouble)
                raise
            self._health.answered()
            return result
        raise GaveUp(GAVE_UP)  # not reached: the health gives up on the last 429 first

    def _rate_limited(self, limited: RateLimited) -> float:
        try:
            wait = self._health.rate_limited(limited.retry_after)
        except GaveUp:
            self._emit(Notice(f"{GAVE_UP}: {self._health.gave_up}"))
            raise
        self._pacer.hold_off(wait)
        return wait

    def _record_failure(self, trouble: ArchiveTrouble) -> None:
        try:
            self._health.failed(trouble)
        except GaveUp:
            self._emit(Notice(f"{GAVE_UP}: {self._health.gave_up}"))

    def _emit(self, event: Event) -> None:
        if self._on_event is not None:
            self._on_event(event)

    def _require_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            raise RuntimeError("use Wayback as an async context manager")
        return self._pool

    def _require_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use Wayback as an async context manager")
        return self._session


def _decode(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except (LookupError, ValueError):  # a charset Python does not know, or one that fails
        return data.decode("utf-8", errors="replace")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
