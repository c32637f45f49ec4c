"""One attempt at one URL: requests, redirects by hand, a sniff of the body.

The only module that knows aiohttp's exceptions: they are translated into
:class:`~linkcheck.types.ErrorKind` values here, most specific first.  Every
request hop waits for its own scheduler slot (a redirect to another host is
polite to that host too) and gives it back as soon as its response is dealt with.
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Mapping
from http.cookies import SimpleCookie
from typing import Final, NamedTuple

import aiohttp
from yarl import URL

from linkcheck.check.classify import Observation, same_resource
from linkcheck.check.options import CheckOptions
from linkcheck.check.resolver import GuardedResolver, PrivateAddressError
from linkcheck.check.scheduler import Scheduler
from linkcheck.check.stalls import StallWatch
from linkcheck.pages import decode_page, extract_title, fingerprint, looks_not_found
from linkcheck.types import ErrorKind, Hop

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
#: Answers whose body is read: pages (title, soft-404 signals, fingerprint) and
#: the statuses bot walls answer with (their challenge page has a telling title).
_SNIFFED_STATUSES: Final = frozenset({403, 429, 503})
#: A body this small is read to its end so the connection can be reused.
_DRAIN_LIMIT: Final = 16 * 1024
#: Titles of bot-challenge interstitials (Cloudflare, DDoS-Guard, Sucuri and kin).
_CHALLENGE_TITLES: Final = frozenset(
    {
        "just a moment...",
        "just a moment…",
        "attention required! | cloudflare",
        "please wait while we check your browser...",
        "ddos-guard",
        "checking your browser before accessing",
        "access denied | sucuri website firewall",
    }
)
_NAME_NOT_FOUND_CODES: Final = frozenset(
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code is not None
)
_RESET_ERRNOS: Final = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})

#: Where a response redirects, the cookies it set, and the seconds it took.
_Redirect = tuple[str, SimpleCookie | None, float]

DEFAULT_HEADERS: Final[Mapping[str, str]] = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en;q=0.9,*;q=0.5",
}


class Client:
    """Makes single attempts at URLs over one shared :class:`aiohttp.ClientSession`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        options: CheckOptions,
        scheduler: Scheduler,
        guard: GuardedResolver | None = None,
    ) -> None:
        self._session = session
        self._guard = guard
        self._options = options
        self._scheduler = scheduler
        self._full_timeout = self._timeout(options.total_timeout)
        # The read timeout, if the total one does not make it moot (see _timeout).
        self._stalls = (
            StallWatch(options.read_timeout)
            if options.read_timeout < options.total_timeout
            else None
        )

    def attempt(self, url: str, target: URL) -> Awaitable[Observation]:
        """One attempt at ``url`` (already parsed as ``target``), HEAD first if configured.

        A HEAD answer is only taken when it is 2xx; anything else is asked again
        with GET, since many servers answer HEAD wrongly.  (A plain function: the
        GET-only attempt is ``_follow`` itself, one coroutine frame fewer per answer.)
        """
        if self._options.head_first:
            return self._head_then_get(url, target)
        return self._follow(url, target, "GET")

    async def _head_then_get(self, url: str, target: URL) -> Observation:
        head = await self._follow(url, target, "HEAD")
        status = head.status
        if status is not None and 200 <= status < 300:
            return head
        if head.error_kind in _DECISIVE_ON_HEAD:
            return head
        return await self._follow(url, target, "GET")

    async def _follow(self, url: str, target: URL, method: str) -> Observation:
        """Request ``target`` and follow its redirects by hand, recording every hop.

        Most links answer their first request: that path builds no redirect
        bookkeeping (loop set, cookie jar, shrinking budget) until a redirect needs it.
        """
        hops: list[Hop] = []
        refusal = self._refuse_private_literal(target)
        if refusal is not None:
            return _failure(url, hops, target, method, ErrorKind.PRIVATE_ADDRESS, refusal)
        host = target.host or ""
        headers = self._headers(host, "")
        outcome = await self._request(url, hops, target, host, method, headers, self._full_timeout)
        if isinstance(outcome, Observation):
            return outcome
        return await self._follow_redirects(url, hops, target, method, outcome)

    async def _follow_redirects(
        self, url: str, hops: list[Hop], current: URL, method: str, outcome: _Redirect
    ) -> Observation:
        """Follow the redirect ``outcome`` (the answer from ``current``) and any after it.

        A request is known by its URL and the cookies it sends, so coming back to
        a URL with a cookie it did not have before (a cookie wall) is not a loop.
        """
        jar: aiohttp.CookieJar | None = None
        seen: set[tuple[URL, str]] = {(current, "")}
        budget = self._options.total_timeout
        while True:
            location, sets_cookies, elapsed = outcome
            if sets_cookies is not None:
                jar = jar or aiohttp.CookieJar(unsafe=True)  # unsafe: also for IP hosts
                jar.update_cookies(sets_cookies, current)
            budget -= elapsed
            if len(hops) > self._options.max_redirects:
                message = f"more than {self._options.max_redirects} redirects"
                return _failure(url, hops, current, method, ErrorKind.TOO_MANY_REDIRECTS, message)
            next_url = _resolve_location(current, location)
            if isinstance(next_url, str):
                return _failure(url, hops, current, method, ErrorKind.PROTOCOL, next_url)
            cookies = _cookie_header(jar, next_url)
            if (next_url, cookies) in seen:
                message = f"redirect loop back to {next_url}"
                return _failure(url, hops, next_url, method, ErrorKind.REDIRECT_LOOP, message)
            if budget <= 0:
                return _failure(url, hops, next_url, method, ErrorKind.TIMEOUT, "timed out")
            current = next_url
            refusal = self._refuse_private_literal(current)
            if refusal is not None:
                kind = ErrorKind.PRIVATE_ADDRESS
                return _failure(url, hops, current, method, kind, refusal)
            seen.add((current, cookies))
            host = current.host or ""
            headers = self._headers(host, cookies)
            limits = self._timeout(budget)
            answer = await self._request(url, hops, current, host, method, headers, limits)
            if isinstance(answer, Observation):
                return answer
            outcome = answer

    async def _request(
        self,
        url: str,
        hops: list[Hop],
        current: URL,
        host: str,
        method: str,
        headers: Mapping[str, str] | None,
        time_limits: aiohttp.ClientTimeout,
    ) -> Observation | _Redirect:
        """One request: the final observation, or where it redirects, the cookies it
        set and the seconds it took (waiting for the slot not counted).

        The slot is held only while the connection is: the body prefix is judged
        after it is given back, so the next request need not wait for that."""
        async with self._scheduler.slot(host):
            started = time.monotonic()
            watch = _UNWATCHED if self._stalls is None else self._stalls.watch()
            try:
                with watch:
                    async with self._session.request(
                        method, current, allow_redirects=False, headers=headers, timeout=time_limits
                    ) as response:
                        watch.answered(response)
                        status = response.status
                        if status in REDIRECT_STATUSES:
                            location = _header_text(response.headers.get("Location"))
                            if location is not None:
                                hops.append(Hop(str(current), status, location))
                                sets = (
                                    response.cookies if "Set-Cookie" in response.headers else None
                                )
                                await _discard(response)
                                return location, sets, time.monotonic() - started
                        final = Hop(str(current), status)
                        hops.append(final)
                        answer = await self._answer(method, response)
            except Exception as exc:  # translated below, most specific first
                kind, message, name_not_found = translate(exc, first_hop=not hops)
                return _failure(url, hops, current, method, kind, message, name_not_found)
        return _final(url, hops, final.url, method, answer)

    async def _answer(self, method: str, response: aiohttp.ClientResponse) -> _Answer:
        """What the final response says: a few headers and, for pages, the body prefix."""
        status = response.status
        headers = response.headers
        page: str | None = None
        if (
            method == "GET"
            and (200 <= status < 300 or status in _SNIFFED_STATUSES)
            and _is_html(headers.get("Content-Type"))
        ):
            limit = self._options.max_body_bytes
            body = _arrived_prefix(response, limit)
            if body is None:
                body = await _read_prefix(response, limit)
            page = decode_page(body, response.charset)
        elif not response.content.is_eof():  # else nothing is left: the connection is reusable
            await _discard(response)
        return _Answer(
            status=status,
            challenged=headers.get("cf-mitigated", "").lower() == "challenge",
            retry_after=headers.get("Retry-After"),
            page=page,
        )

    def _headers(self, host: str, cookies: str) -> Mapping[str, str] | None:
        extra = self._options.host_headers.get(host)
        if not cookies:
            return extra
        merged = dict(extra or {})
        merged["Cookie"] = cookies
        return merged

    def _timeout(self, total: float) -> aiohttp.ClientTimeout:
        # No sock_read: the read timeout is kept by self._stalls, which sets no timer
        # per request.  (A read timeout at least as long as the total one adds nothing:
        # the total one ends the request by then.)
        return aiohttp.ClientTimeout(total=max(total, 0.001), connect=self._options.connect_timeout)

    def _refuse_private_literal(self, url: URL) -> str | None:
        """Why a literal IP target is refused, or ``None``: aiohttp never asks the
        resolver about literal addresses, so the guard judges them here, at every hop."""
        if self._guard is None:
            return None
        try:
            self._guard.check_literal_host(url.host or "")
        except PrivateAddressError as refusal:
            return str(refusal)
        return None


class _Unwatched:
    """The stand-in for a :class:`Watch` when there is no read timeout to keep."""

    def __enter__(self) -> _Unwatched:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def answered(self, response: aiohttp.ClientResponse) -> None:
        pass


_UNWATCHED: Final = _Unwatched()

#: HEAD failures that GET would only repeat.
_DECISIVE_ON_HEAD: Final = frozenset(
    {ErrorKind.DNS, ErrorKind.PRIVATE_ADDRESS, ErrorKind.TLS, ErrorKind.INVALID_URL}
)


class _Answer(NamedTuple):
    """The parts of a final response the verdict needs, read before its connection is freed."""

    status: int
    challenged: bool  # the server says it answered with a bot challenge
    retry_after: str | None
    page: str | None  # the decoded body prefix of a page worth sniffing


def _final(url: str, hops: list[Hop], current: str, method: str, answer: _Answer) -> Observation:
    page = answer.page
    if page is None:
        return Observation(
            url=url,
            hops=tuple(hops),
            final_url=current,
            method=method,
            challenge=answer.challenged,
            retry_after=answer.retry_after,
        )
    title = extract_title(page)
    challenge = answer.challenged or (title is not None and title.lower() in _CHALLENGE_TITLES)
    success = 200 <= answer.status < 300
    return Observation(
        url=url,
        hops=tuple(hops),
        final_url=current,
        method=method,
        title=title,
        page_says_not_found=success and looks_not_found(page, title, address=_own_address(hops)),
        challenge=challenge,
        fingerprint=fingerprint(page) if success else None,
        retry_after=answer.retry_after,
    )


def _own_address(hops: list[Hop]) -> str | None:
    """The final page's own address: where it was asked for, unless a redirect sent
    us there (a trivial one, http→https or a trailing slash, keeps the address).

    A page only names its own topic by its address; a server that redirects to
    ``/404`` names its error page, which must still be caught.
    """
    final = hops[-1].url
    if len(hops) == 1 or same_resource(hops[0].url, final):
        return final
    return None


def _failure(
    url: str,
    hops: list[Hop],
    current: URL,
    method: str,
    kind: ErrorKind,
    message: str,
    name_not_found: bool = False,
) -> Observation:
    return Observation(
        url=url,
        hops=tuple(hops),
        final_url=str(current),
        method=method,
        error_kind=kind,
        error=_valid_text(message),  # it may quote what a server sent
        name_not_found=name_not_found,
    )


def translate(exc: Exception, *, first_hop: bool = True) -> tuple[ErrorKind, str, bool]:
    """An aiohttp/asyncio failure as (error kind, message, the name does not exist)."""
    message = _describe(exc)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return _translate_dns(exc.os_error, message)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return ErrorKind.TLS, message, False
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _translate_connect(exc.os_error, message), message, False
    if isinstance(exc, TimeoutError):  # ServerTimeoutError and asyncio's timeout alike
        return ErrorKind.TIMEOUT, f"timed out ({type(exc).__name__})", False
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientConnectionResetError):
        return ErrorKind.RESET, message, False
    if isinstance(exc, ssl.SSLError):
        return ErrorKind.TLS, message, False
    if isinstance(exc, aiohttp.ClientOSError):
        kind = ErrorKind.RESET if exc.errno in _RESET_ERRNOS else ErrorKind.PROTOCOL
        return kind, message, False
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return (ErrorKind.INVALID_URL if first_hop else ErrorKind.PROTOCOL), message, False
    if isinstance(exc, aiohttp.ClientError):
        return ErrorKind.PROTOCOL, message, False
    if isinstance(exc, OSError):
        return _translate_connect(exc, message), message, False
    # Something aiohttp let through on a strange answer: one odd server must not
    # end a run of thousands of links, so it is this link's outcome, named plainly.
    return ErrorKind.PROTOCOL, f"unexpected {type(exc).__name__}: {message}", False


def _describe(exc: Exception) -> str:
    """The failure in words a report can show.

    aiohttp words a malformed answer as an HTTP error ("400, message=…", though
    no server said 400) and a connection closed mid-headers as a dump of its
    parser's internal object: neither may reach a report as it is.
    """
    if isinstance(exc, aiohttp.ServerDisconnectedError) and not isinstance(exc.message, str):
        return "the server closed the connection before its answer was complete"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"malformed answer: {_one_line(exc.message)}"
    text = str(exc) or type(exc).__name__
    # A payload error names its cause in the same style: "<ContentLengthError: 400, message='…'>".
    return _one_line(_WRAPPED_PARSER_ERROR.sub(r"\2", text))


#: aiohttp's text for a parser error nested in another error's message.
_WRAPPED_PARSER_ERROR = re.compile(r"<\w+: \d{3}, message=(['\"])(.*?)\1>", re.DOTALL)


def _one_line(text: str) -> str:
    """``text`` on one line, without the caret lines a parser adds under what it quotes."""
    kept = (line.strip() for line in text.splitlines())
    return " ".join(line for line in kept if line and set(line) != {"^"})


def _translate_dns(os_error: OSError, message: str) -> tuple[ErrorKind, str, bool]:
    if isinstance(os_error, PrivateAddressError):
        return ErrorKind.PRIVATE_ADDRESS, str(os_error) or message, False
    name_not_found = isinstance(os_error, socket.gaierror) and (
        os_error.errno in _NAME_NOT_FOUND_CODES
    )
    return ErrorKind.DNS, message, name_not_found


def _translate_connect(os_error: OSError, message: str) -> ErrorKind:
    if isinstance(os_error, ssl.SSLError):
        return ErrorKind.TLS
    if os_error.errno in _RESET_ERRNOS:
        return ErrorKind.RESET
    # Refused, unreachable network or host: the server could not be reached.
    return ErrorKind.REFUSED


def _resolve_location(current: URL, location: str) -> URL | str:
    """The absolute URL a ``Location`` header points to, or why it cannot be followed."""
    try:
        target = current.join(URL(location.strip()))
    except (ValueError, UnicodeError) as exc:
        return f"unreadable redirect target {location!r}: {exc}"
    if target.scheme not in ("http", "https") or not target.host:
        return f"redirect to an unsupported target {location!r}"
    return target.with_fragment(None)


def _cookie_header(jar: aiohttp.CookieJar | None, url: URL) -> str:
    if jar is None:
        return ""
    cookies = jar.filter_cookies(url)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


def _is_html(content_type: str | None) -> bool:
    if not content_type:
        return True  # unlabelled: look, it is most likely a page
    lowered = content_type.lower()
    return "html" in lowered or "xml" in lowered


def _arrived_prefix(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The body prefix :func:`_read_prefix` would read, when the whole body has
    already arrived (a small page comes with its headers); else ``None``."""
    content = response.content
    if not content.is_eof() or content.exception() is not None:
        return None
    return content.read_nowait(limit)


async def _read_prefix(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """At most ``limit`` bytes of the body; a stall or cut-off keeps what arrived.

    The rest of a long body is never read: releasing the response then closes
    the connection instead of downloading it.
    """
    length = response.content_length
    if length is not None and "Content-Encoding" not in response.headers:
        # The whole (uncompressed) body in one read, with no second read for its end.
        limit = min(limit, length)
    chunks: list[bytes] = []
    size = 0
    try:
        while size < limit:
            chunk = await response.content.read(limit - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (TimeoutError, aiohttp.ClientPayloadError, aiohttp.ClientConnectionError):
        pass  # the status is known; a trickling or broken body only hides the title
    return b"".join(chunks)


async def _discard(response: aiohttp.ClientResponse) -> None:
    """Finish with a response we do not read: small bodies are drained so the
    connection can be reused, others are dropped with their connection."""
    if response.content.is_eof():
        return  # nothing to read (HEAD, 204, 304, or already read)
    length = response.content_length
    if length is not None and length <= _DRAIN_LIMIT:
        try:
            await response.read()
        except (TimeoutError, aiohttp.ClientError):
            response.close()
        return
    response.close()


#: The lone surrogates a ``str`` can hold and no encoder accepts.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _header_text(value: str | None) -> str | None:
    """A header value as valid Unicode, fit for a database, JSON or a terminal.

    aiohttp decodes header bytes as UTF-8 with ``surrogateescape``, so a byte that
    is not UTF-8 (a latin-1 "é" in a ``Location``) arrives as a lone surrogate.
    Such bytes are percent-encoded ("/caf%E9"): that is how a URL carries them
    (and how yarl sends them on), and valid text is kept as it is.
    """
    return None if value is None else _valid_text(value)


def _valid_text(text: str) -> str:
    """``text`` with each escaped byte percent-encoded and any other surrogate replaced."""
    if text.isascii():
        return text  # nearly every header and message: no scan
    return _SURROGATE.sub(_escaped_byte, text)


def _escaped_byte(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the byte code - 0xDC00
        return f"%{code - 0xDC00:02X}"
    return "\ufffd"
