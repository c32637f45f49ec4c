"""The checking engine's facade: one session for a run, each URL checked once, verdicts out.

Other code (the pipeline, the benchmark, library users) only needs this module::

    async with Checker(CheckOptions()) as checker:
        async for result in checker.check_all(urls):
            ...
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
)
from datetime import UTC, datetime
from types import TracebackType
from typing import cast

import aiohttp
from yarl import URL

from linkcheck.check.breaker import HostBreaker
from linkcheck.check.classify import Observation, judge
from linkcheck.check.client import DEFAULT_HEADERS, Client
from linkcheck.check.options import CheckOptions, exclusion_pattern
from linkcheck.check.resolver import GuardedResolver, network_reachable
from linkcheck.check.retry import Retrier
from linkcheck.check.scheduler import Scheduler
from linkcheck.errors import NetworkUnreachable
from linkcheck.types import CheckResult, ErrorKind, Event, LinkChecked, RetryScheduled

OnEvent = Callable[[Event], None]
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

#: Response header lines can be long (big cookies, CSP): aiohttp's 8 KiB default
#: turns working sites into protocol errors.
_MAX_HEADER_BYTES = 64 * 1024
#: URLs in the form ``urls.normalize_url`` gives most of them (lower-case host name or
#: IPv4, no user info, no escapes, no fragment) need no re-encoding; "/." (a dot
#: segment yarl would remove) is ruled out separately.
_ALREADY_ENCODED = re.compile(
    r"https?://[a-z0-9\-]+(?:\.[a-z0-9\-]+)*(?::[1-9][0-9]{0,4})?"
    r"(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*)?"
)
#: What a host may hold once IDNA-encoded: names, IPv4, bracketed IPv6 with a zone.
_HOST_CHARACTERS = re.compile(r"[A-Za-z0-9._\-]+|\[?[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?\]?")


class Checker:
    """Checks URLs under one set of :class:`CheckOptions`; use as an async context manager."""

    def __init__(
        self,
        options: CheckOptions,
        *,
        on_event: OnEvent | None = None,
        resolver: aiohttp.abc.AbstractResolver | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._options = options
        self._now = now  # the wall clock stamped on results (injected for nightly tests)
        self._on_event = on_event
        self._given_resolver = resolver
        self._clock = clock
        self._exclude = exclusion_pattern(options.exclude)
        self._scheduler = Scheduler(options.limits, clock=clock, sleep=sleep)
        self._retrier = Retrier(options.retry, sleep=sleep)
        self._breaker = HostBreaker(options.host_down_after)
        self._session: aiohttp.ClientSession | None = None
        self._client: Client | None = None
        self._plain_resolver: aiohttp.abc.AbstractResolver | None = None
        self._own_resolver = False
        self._network = _NetworkProbe(options, clock)
        #: Some host answered during this run: the network works, whatever DNS says.
        self._reached_any = False
        self._names_unresolvable = False

    @property
    def scheduler(self) -> Scheduler:
        return self._scheduler

    async def __aenter__(self) -> Checker:
        options = self._options
        plain = self._given_resolver
        if plain is None:
            plain = aiohttp.DefaultResolver()
            self._own_resolver = True
        self._plain_resolver = plain
        guard = GuardedResolver(plain, exclude_private=True) if options.exclude_private else None
        resolver = guard or plain
        connector = aiohttp.TCPConnector(
            limit=options.limits.concurrency,
            resolver=resolver,
            use_dns_cache=True,
            ttl_dns_cache=300,
            ssl=options.verify_tls,  # False: accept any certificate
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": options.user_agent, **DEFAULT_HEADERS},
            cookie_jar=aiohttp.DummyCookieJar(),  # each link gets its own jar (client.py)
            max_line_size=_MAX_HEADER_BYTES,
            max_field_size=_MAX_HEADER_BYTES,
        )
        self._client = Client(self._session, options, self._scheduler, guard)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
        if self._own_resolver and self._plain_resolver is not None:
            await self._plain_resolver.close()
        self._session = self._client = None

    async def check(self, url: str) -> CheckResult:
        """Check one URL (retries included) and report it with a ``LinkChecked`` event.

        Raises :class:`NetworkUnreachable` when its host name does not resolve, no
        host has answered yet in this run and the canary names do not resolve either.
        """
        result = await self._check(url, _parse(url))
        self._raise_if_offline()
        return result

    async def check_all(
        self, urls: Iterable[str] | AsyncIterable[str]
    ) -> AsyncIterator[CheckResult]:
        """Check each distinct URL once, hosts interleaved; results come as they complete.

        ``urls`` may be an async iterable: checking starts with its first URL while
        the rest are still being found (the pipeline scans and checks at once).

        Raises :class:`NetworkUnreachable` at the end when no name resolved (canaries
        included) and no host answered at all; the results yielded before it are
        ``error`` results, never ``dead``.
        """
        distinct: Iterable[_Item] | AsyncIterable[_Item]
        if isinstance(urls, AsyncIterable):
            distinct = _parsed_once(urls)
        else:
            distinct = ((url, _parse(url)) for url in dict.fromkeys(urls))
        results = cast(
            "AsyncGenerator[CheckResult, None]",
            self._scheduler.map(distinct, key=_host_of, work=self._check_item),
        )
        try:
            async for result in results:
                yield result
        finally:
            await results.aclose()
        self._raise_if_offline()

    def _raise_if_offline(self) -> None:
        # Decided once all results are in, so the order in which checks finish
        # (a failed lookup before a slow local answer) cannot change the outcome.
        if self._names_unresolvable and not self._reached_any:
            raise NetworkUnreachable(
                "no host name resolves, not even "
                + ", ".join(self._options.network_canaries)
                + ": is the network down?"
            )

    # ------------------------------------------------------------------ one link

    def _check_item(self, item: _Item) -> Awaitable[CheckResult]:
        return self._check(*item)  # not a coroutine itself: one frame fewer per answer

    async def _check(self, url: str, target: URL | str) -> CheckResult:
        started = self._clock()
        if self._exclude is not None and self._exclude.search(url):
            observation = _refused(url, ErrorKind.EXCLUDED, "excluded by configuration")
            attempts = 0
        elif isinstance(target, str):
            observation = _refused(url, ErrorKind.INVALID_URL, target)
            attempts = 0
        elif (down := self._breaker.down(target.host or "")) is not None:
            observation = _refused(url, down.kind, down.reason())
            attempts = 0
        else:
            observation, attempts = await self._retrier.run(
                lambda: self._require_client().attempt(url, target), self._retry_scheduled
            )
            observation = await self._confirm_name_not_found(observation)
            # Any hop that answered shows the link's own host is reachable.
            failure = None if observation.hops else observation.error_kind
            self._breaker.record(target.host or "", failure)
        result = self._result(observation, attempts, started)
        if self._on_event is not None:
            self._on_event(LinkChecked(result))
        return result

    def _result(self, observation: Observation, attempts: int, started: float) -> CheckResult:
        judgement = judge(observation, self._accepted(observation))
        hops = observation.hops
        return CheckResult(
            url=observation.url,
            verdict=judgement.verdict,
            checked_at=self._now(),
            status_code=observation.status,
            final_url=observation.final_url,
            hops=hops,
            error_kind=judgement.error_kind,
            error=judgement.reason,
            title=observation.title,
            fingerprint=observation.fingerprint,
            elapsed_ms=(self._clock() - started) * 1000.0,
            attempts=attempts,
            method=observation.method,
        )

    def _accepted(self, observation: Observation) -> frozenset[int]:
        options = self._options
        if not options.host_accepted_statuses or observation.final_url is None:
            return options.accepted_statuses
        hosts = {URL(observation.url).host or "", URL(observation.final_url).host or ""}
        accepted = options.accepted_statuses
        for host in hosts:
            accepted = accepted | options.accepted_for(host)
        return accepted

    def _retry_scheduled(self, failed: Observation, attempt: int, wait: float, asked: bool) -> None:
        if asked and failed.final_url is not None:
            # Retry-After speaks for the whole host: hold every request to it.
            self._scheduler.pause_host(URL(failed.final_url).host or "", wait)
        if failed.hops:
            self._reached_any = True
        if self._on_event is not None:
            reason = failed.error or f"HTTP {failed.status}"
            self._on_event(RetryScheduled(failed.url, attempt, wait, reason))

    async def _confirm_name_not_found(self, observation: Observation) -> Observation:
        """Tell "this name does not exist" from "there is no network at all"."""
        if observation.hops:
            self._reached_any = True
        if observation.error_kind is not ErrorKind.DNS or self._plain_resolver is None:
            return observation
        if await self._network.reachable(self._plain_resolver):
            return observation
        # No name resolves at all: not evidence against this one.
        self._names_unresolvable = True
        return _without_name_verdict(observation)

    def _require_client(self) -> Client:
        if self._client is None:
            raise RuntimeError("use the Checker inside 'async with'")
        return self._client


class _NetworkProbe:
    """Whether the canary names resolve, asked once and trusted for a while."""

    def __init__(self, options: CheckOptions, clock: Clock) -> None:
        self._canaries = options.network_canaries
        self._ttl = options.network_probe_ttl
        self._clock = clock
        self._lock = asyncio.Lock()
        self._answer: bool | None = None
        self._asked_at = 0.0

    async def reachable(self, resolver: aiohttp.abc.AbstractResolver) -> bool:
        async with self._lock:  # concurrent DNS failures share one probe
            if self._answer is None or self._clock() - self._asked_at > self._ttl:
                self._answer = await network_reachable(resolver, self._canaries)
                self._asked_at = self._clock()
            return self._answer


def _parse(url: str) -> URL | str:
    """The URL parsed, or why it cannot be checked (malformed or not http/https)."""
    # URLs already in normal form are taken as they are: what yarl would build
    # anyway, without re-encoding every part (they pass the checks below, too).
    already_encoded = _ALREADY_ENCODED.fullmatch(url) is not None and "/." not in url
    try:
        parsed = URL(url, encoded=already_encoded)
        host = parsed.raw_host  # read now: yarl may split host and port lazily
    except (ValueError, UnicodeError, IndexError) as exc:  # yarl raises all three
        return f"malformed URL: {exc}"
    if already_encoded:
        return parsed
    if parsed.scheme not in ("http", "https"):
        return f"unsupported URL scheme {parsed.scheme!r}" if parsed.scheme else "not absolute"
    if not host or not _HOST_CHARACTERS.fullmatch(host):
        return "the URL names no valid host"
    return parsed.with_fragment(None) if parsed.raw_fragment else parsed


#: A URL to check with what ``_parse`` made of it.
_Item = tuple[str, URL | str]


async def _parsed_once(urls: AsyncIterable[str]) -> AsyncIterator[_Item]:
    seen: set[str] = set()
    source = aiter(urls)
    try:
        async for url in source:
            if url not in seen:
                seen.add(url)
                yield url, _parse(url)
    finally:  # closed with us: ``async for`` leaves a source suspended at its ``yield``
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()


def _host_of(item: _Item) -> str:
    target = item[1]
    return "" if isinstance(target, str) else target.host or ""


def _refused(url: str, kind: ErrorKind, reason: str) -> Observation:
    return Observation(url=url, error_kind=kind, error=reason)


def _without_name_verdict(observation: Observation) -> Observation:
    return Observation(
        url=observation.url,
        hops=observation.hops,
        final_url=observation.final_url,
        method=observation.method,
        error_kind=observation.error_kind,
        error=observation.error,
        name_not_found=False,
    )
