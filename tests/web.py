"""The local test web: every behaviour the checker must judge, served on loopback addresses.

One aiohttp application is served on several loopback addresses (127.0.0.1,
127.0.0.2, ... — Linux routes all of 127/8 to ``lo``), each address a distinct
"host" for the checker, plus optionally one HTTPS site with a self-signed
certificate.  It counts requests per path and per host, and the requests in
flight per host (with the maximum ever observed), so tests can assert on
politeness and caching.

Routes (the same on every host):

=============================  ==============================================================
``/``                          the home page (200)
``/ok``, ``/page/{name}``      an ordinary page with a title (200)
``/news/{any/path}``           the same, for dated article URLs (``/news/2024/05/01/x``)
``/status/{code}``             answers ``code`` with a small HTML body
``/redirect/{code}?to=X``      one redirect with ``code`` to ``X`` (default ``/ok``)
``/chain/{code}/{n}``          ``n`` redirects with ``code``, then ``/ok``
``/loop/a``, ``/loop/b``       a two-step redirect loop; ``/loop/self`` redirects to itself
``/rel/deep/start``            redirects with a relative ``Location: ../../ok``
``/cookie/start``              200 with the cookie ``session``; else 302 to ``/cookie/set``,
                               which sets the cookie and redirects back
``/head-405``, ``/head-404``   HEAD answers 405 (or 404), GET answers 200
``/retry-after/{value}``       429 with ``Retry-After: value`` (seconds) every time
``/retry-after-date/{secs}``   429 with ``Retry-After`` as an HTTP date ``secs`` from now
``/limited-once/{key}``        429 ``Retry-After: 2`` on the first call per key, then 200
``/flaky/{n}/{key}``           503 for the first ``n`` calls per key, then 200
``/slow/{seconds}``            waits, then 200 (``/slow/...`` also counts in-flight requests)
``/hang-once/{key}``           the first call per key hangs (up to 60 s), later calls answer 200
``/switch/{key}``              answers ``statuses[key]`` (default 200): tests change it per night
``/trickle/{interval}``        200 headers at once, then one byte per ``interval`` seconds
``/huge``                      a 50 MB HTML body streamed lazily in 64 KiB chunks
``/not-html``                  200 ``application/octet-stream``
``/soft404``                   200 whose title says "Page not found"
``/soft404-heading``           200 whose ``<h1>`` says the page does not exist
``/deep/article/{n}``          302 to the home page
``/missing-page``              302 to ``/errors/404.html`` (which answers 200)
``/moved``                     301 to ``/new-home``; ``/trailing`` 301 to ``/trailing/``
``/browser-only``              403 unless the User-Agent looks like a browser (``Mozilla/``)
``/challenge``                 403 with ``cf-mitigated: challenge`` and "Just a moment..."
``/challenge-503``             503 "Just a moment..." (no header)
``/needs-token``               401 unless the header ``X-Token: secret`` is sent
``/reset``                     aborts the connection with a TCP reset
PAGES_ABOUT_ERRORS paths       live pages *about* errors (``/wiki/HTTP_404``, ...), 200;
                               ``/wiki/Gone/`` 301 to ``/wiki/Gone``
``/guides/404-errors``         200 whose title says "Page not found" (at an address that
                               names an error, though not the one the page says)
=============================  ==============================================================

:class:`RawWeb` answers with exact bytes, for answers aiohttp's server will not send
(a header byte that is not UTF-8, a body whose charset only its ``<meta>`` names).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import subprocess
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DEFAULT_HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
HUGE_BODY_BYTES = 50 * 1024 * 1024
_CHUNK = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>"
_TRICKLE_MAX_BYTES = 600  # every loop stops by itself


#: Live pages whose titles name an error because the error is their topic, by path.
PAGES_ABOUT_ERRORS = {
    "/wiki/HTTP_404": "HTTP 404 - Wikipedia",
    "/wiki/Gone": "Gone - Wikipedia",
    "/search/docs/crawling-indexing/soft-404-errors": "Soft 404 errors | Google Search Central",
    "/wiki/Error_404_(album)": "Error 404 (album) - Wikipedia",
    "/features/hall-of-fame": "The 404 Page Hall of Fame",
    "/essays/link-rot": "Page Not Found: A History of Link Rot",
}


def page(title: str, body: str = "") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def html(text: str, status: int = 200, **headers: str) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", headers=headers)


def redirect(code: int, location: str, **headers: str) -> web.Response:
    return web.Response(status=code, headers={"Location": location, **headers})


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path
    #: How it was made (the ``cryptography`` package is not a dependency).
    tool: str = "openssl"


def make_self_signed_certificate(directory: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made with the ``openssl`` CLI."""
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key_file), "-out", str(cert_file),
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return Certificate(cert_file, key_file)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound, then closed): connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class TestWeb:
    """The local test web; ``await start()`` then ``url(path, host=...)``; ``await close()``."""

    __test__ = False  # not a pytest test class

    def __init__(
        self, hosts: Sequence[str] = DEFAULT_HOSTS, certificate: Certificate | None = None
    ) -> None:
        self.hosts = tuple(hosts)
        self.certificate = certificate
        self.requests_per_path: Counter[str] = Counter()
        self.requests_per_host: Counter[str] = Counter()
        self.methods_per_path: Counter[tuple[str, str]] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.bytes_sent: Counter[str] = Counter()
        self.statuses: dict[str, int] = {}
        self._calls: Counter[str] = Counter()
        self._ports: dict[str, int] = {}
        self._tls_port: int | None = None
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self._app(), handle_signals=False, access_log=None, shutdown_timeout=0.1
        )
        await self._runner.setup()
        for host in self.hosts:
            self._ports[host] = await self._serve(host, None)
        if self.certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certificate.cert_file, self.certificate.key_file)
            self._tls_port = await self._serve(self.hosts[0], context)

    async def _serve(self, host: str, context: ssl.SSLContext | None) -> int:
        assert self._runner is not None
        site = web.TCPSite(self._runner, host, 0, ssl_context=context)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        port: int = server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ addresses

    def url(self, path: str, host: str | None = None) -> str:
        host = host or self.hosts[0]
        return f"http://{host}:{self._ports[host]}{path}"

    def port(self, host: str | None = None) -> int:
        return self._ports[host or self.hosts[0]]

    def tls_url(self, path: str) -> str:
        assert self._tls_port is not None, "start TestWeb with a certificate"
        return f"https://{self.hosts[0]}:{self._tls_port}{path}"

    def named_url(self, path: str, name: str, host: str | None = None) -> str:
        """A URL on ``host`` under a host ``name`` (map the name with a StaticResolver)."""
        return f"http://{name}:{self._ports[host or self.hosts[0]]}{path}"

    @staticmethod
    def refused_url(path: str = "/") -> str:
        return f"http://127.0.0.1:{free_port()}{path}"

    # ------------------------------------------------------------------ the application

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._count])
        get, route = app.router.add_get, app.router.add_route
        get("/", self._home)
        get("/ok", self._ok)
        get("/page/{name}", self._ok)
        get("/news/{path:.+}", self._ok)  # dated article URLs such as /news/2024/05/01/story
        route("*", "/status/{code}", self._status)
        route("*", "/redirect/{code}", self._redirect)
        get("/chain/{code}/{n}", self._chain)
        get("/loop/a", _redirect_to(302, "/loop/b"))
        get("/loop/b", _redirect_to(302, "/loop/a"))
        get("/loop/self", _redirect_to(301, "/loop/self"))
        get("/rel/deep/start", _redirect_to(302, "../../ok"))
        get("/cookie/start", self._cookie_start)
        get("/cookie/set", self._cookie_set)
        route("*", "/head-405", self._head_hostile)
        route("*", "/head-404", self._head_hostile)
        get("/retry-after/{value}", self._retry_after)
        get("/retry-after-date/{seconds}", self._retry_after_date)
        get("/limited-once/{key}", self._limited_once)
        get("/flaky/{n}/{key}", self._flaky)
        get("/slow/{seconds}", self._slow)
        get("/hang-once/{key}", self._hang_once)
        get("/switch/{key}", self._switch)
        get("/trickle/{interval}", self._trickle)
        get("/huge", self._huge)
        get(
            "/not-html",
            _fixed(lambda: web.Response(body=b"\0" * 100, content_type="application/octet-stream")),
        )
        get("/soft404", _fixed(lambda: html(page("Page not found – Example"))))
        get(
            "/soft404-heading",
            _fixed(lambda: html(page("Example", "<h1>This page doesn't exist</h1>"))),
        )
        get("/deep/article/{n}", _redirect_to(302, "/"))
        get("/missing-page", _redirect_to(302, "/errors/404.html"))
        get("/errors/404.html", _fixed(lambda: html(page("Oops"))))
        get("/moved", _redirect_to(301, "/new-home"))
        get("/new-home", self._ok)
        get("/trailing", _redirect_to(301, "/trailing/"))
        get("/trailing/", self._ok)
        get("/browser-only", self._browser_only)
        get("/challenge", self._challenge)
        get("/challenge-503", _fixed(lambda: html(page("Just a moment..."), 503)))
        get("/needs-token", self._needs_token)
        get("/reset", self._reset)
        for path, title in PAGES_ABOUT_ERRORS.items():
            get(path, _article(title))
        get("/wiki/Gone/", _redirect_to(301, "/wiki/Gone"))
        get("/guides/404-errors", _fixed(lambda: html(page("Page not found"))))
        return app  # fmt: skip

    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.transport.get_extra_info("sockname")[0] if request.transport else "?"
        self.requests_per_path[request.path] += 1
        self.requests_per_host[host] += 1
        self.methods_per_path[request.method, request.path] += 1
        self.in_flight[host] += 1
        self.max_in_flight[host] = max(self.max_in_flight[host], self.in_flight[host])
        try:
            return await handler(request)
        finally:
            self.in_flight[host] -= 1

    def _call_number(self, key: str) -> int:
        self._calls[key] += 1
        return self._calls[key]

    # ------------------------------------------------------------------ handlers

    async def _home(self, request: web.Request) -> web.Response:
        return html(page("Welcome home", "<h1>Example site</h1>"))

    async def _ok(self, request: web.Request) -> web.Response:
        return html(page(f"A page at {request.path}", "<h1>Hello</h1><p>Content.</p>"))

    async def _status(self, request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        if 300 <= code < 400 or code in (204, 304):
            return web.Response(status=code)
        return html(page(f"Status {code}"), code)

    async def _redirect(self, request: web.Request) -> web.Response:
        return redirect(int(request.match_info["code"]), request.query.get("to", "/ok"))

    async def _chain(self, request: web.Request) -> web.Response:
        code, left = int(request.match_info["code"]), int(request.match_info["n"])
        return redirect(code, f"/chain/{code}/{left - 1}" if left > 1 else "/ok")

    async def _cookie_start(self, request: web.Request) -> web.Response:
        if request.cookies.get("session") == "1":
            return html(page("Behind the cookie wall"))
        return redirect(302, "/cookie/set")

    async def _cookie_set(self, request: web.Request) -> web.Response:
        response = redirect(302, "/cookie/start")
        response.set_cookie("session", "1", path="/")
        return response

    async def _head_hostile(self, request: web.Request) -> web.Response:
        if request.method == "HEAD":
            return web.Response(status=405 if request.path == "/head-405" else 404)
        return html(page("GET works"))

    async def _retry_after(self, request: web.Request) -> web.Response:
        return html(page("Too many requests"), 429, **{"Retry-After": request.match_info["value"]})

    async def _retry_after_date(self, request: web.Request) -> web.Response:
        when = datetime.now(UTC) + timedelta(seconds=int(request.match_info["seconds"]))
        retry_after = format_datetime(when, usegmt=True)
        return html(page("Too many requests"), 429, **{"Retry-After": retry_after})

    async def _limited_once(self, request: web.Request) -> web.Response:
        if self._call_number(request.path) == 1:
            return html(page("Slow down"), 429, **{"Retry-After": "2"})
        return html(page("Finally"))

    async def _flaky(self, request: web.Request) -> web.Response:
        if self._call_number(request.path) <= int(request.match_info["n"]):
            return html(page("Service unavailable"), 503)
        return html(page("Recovered"))

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.match_info["seconds"]))
        return html(page("Slow but fine"))

    async def _hang_once(self, request: web.Request) -> web.Response:
        if self._call_number(f"hang-once/{request.match_info['key']}") == 1:
            await asyncio.sleep(60)  # bounded: the client is killed or gives up long before
        return html(page("Finally"))

    async def _switch(self, request: web.Request) -> web.Response:
        status = self.statuses.get(request.match_info["key"], 200)
        return html(page(f"Switch {status}"), status)

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        interval = float(request.match_info["interval"])
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.content_length = _TRICKLE_MAX_BYTES
        await response.prepare(request)
        try:
            for _ in range(_TRICKLE_MAX_BYTES):
                await response.write(b" ")
                self.bytes_sent[request.path] += 1
                await asyncio.sleep(interval)
        except (ConnectionError, RuntimeError):
            pass  # the client gave up, as it should
        return response

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        response.content_length = HUGE_BODY_BYTES
        await response.prepare(request)
        head = page("A huge page").encode()[: -len(b"</body></html>")]
        await response.write(head)
        sent = len(head)
        try:
            while sent < HUGE_BODY_BYTES:
                chunk = _CHUNK[: HUGE_BODY_BYTES - sent]
                await response.write(chunk)
                sent += len(chunk)
                self.bytes_sent[request.path] = sent
        except (ConnectionError, RuntimeError):
            pass  # the client read its prefix and hung up
        return response

    async def _browser_only(self, request: web.Request) -> web.Response:
        if request.headers.get("User-Agent", "").startswith("Mozilla/"):
            return html(page("Welcome, browser"))
        return html(page("Forbidden"), 403)

    async def _challenge(self, request: web.Request) -> web.Response:
        return html(page("Just a moment..."), 403, **{"cf-mitigated": "challenge"})

    async def _needs_token(self, request: web.Request) -> web.Response:
        if request.headers.get("X-Token") == "secret":
            return html(page("Members only"))
        return html(page("Unauthorized"), 401)

    async def _reset(self, request: web.Request) -> web.Response:
        transport = request.transport
        assert transport is not None
        sock = transport.get_extra_info("socket")
        # Linger on, timeout 0: close() sends RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        await asyncio.sleep(0.05)
        return web.Response(status=500)  # never arrives


def _fixed(make: Callable[[], web.Response]) -> Handler:
    """A handler that always answers what ``make`` builds."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return make()

    return handler


def _article(title: str) -> Handler:
    """A live article titled ``title``, headed as Wikipedia heads its articles."""
    heading = title.removesuffix(" - Wikipedia")
    return _fixed(lambda: html(page(title, f"<h1>{heading}</h1><p>Text.</p>")))


def _redirect_to(code: int, location: str) -> Handler:
    return _fixed(lambda: redirect(code, location))


class RawWeb:
    """A loopback server that answers each request path with fixed bytes, then hangs up.

    ``answers`` maps a path, exactly as it arrives in the request line, to the
    whole answer (status line, headers and body); other paths get a 404.
    """

    def __init__(self, answers: dict[str, bytes], host: str = "127.0.0.1") -> None:
        self.answers = answers
        self.host = host
        self.requested: list[str] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._answer, self.host, 0)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def url(self, path: str) -> str:
        assert self._server is not None, "start RawWeb first"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}{path}"

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await reader.readline()
            while (await reader.readline()) not in (b"\r\n", b""):
                pass  # the headers: not needed
            path = request_line.split()[1].decode("latin-1") if request_line.strip() else ""
            self.requested.append(path)
            writer.write(self.answers.get(path, _RAW_NOT_FOUND))
            await writer.drain()
        finally:
            writer.close()


_RAW_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def raw_answer(status: str, headers: dict[str, bytes], body: bytes = b"") -> bytes:
    """An HTTP/1.1 answer as bytes: ``status`` such as "200 OK", header values as sent."""
    lines = [f"HTTP/1.1 {status}".encode()]
    fields = {**headers, "Content-Length": str(len(body)).encode(), "Connection": b"close"}
    lines.extend(name.encode() + b": " + value for name, value in fields.items())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
