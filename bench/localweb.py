"""A local web of many hosts for the benchmark, run as its own process.

Every host is a distinct loopback address (127.0.1.1, 127.0.1.2, ...; Linux routes
all of 127/8 to ``lo``), all served by one process on the same port.
Each request waits ``latency`` seconds before it is answered, like a distant
server would.  The path decides the answer, so the corpus knows what to expect:

* ``/a/<n>`` with ``n % 50 == 7``  → 404 (a dead link)
* ``/a/<n>`` with ``n % 50 == 13`` → 301 to ``/b/<n>`` (a moved link)
* anything else                    → 200 with a small HTML page

The server counts the requests in flight per host (by the local address the
connection arrived on, not by the Host header, which a client could get wrong)
and keeps the maximum: the politeness check of the benchmark.

Protocol with the parent (``python bench/localweb.py --hosts 50 --latency 0.05``):
the server prints one JSON line ``{"port": ...}`` on stdout when every address is
bound.  Each ``stats`` line on its stdin is answered with one JSON line of
statistics since the last one (requests served, the span from the first request
to the last answer, the peak in flight per host and in all, the server's CPU
seconds).  It stops on ``stop``, when stdin closes, or after ``--max-seconds``:
a parent that dies takes the server with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

#: 127.0.1.1 is the first host; 127.0.0.x are left to the tests and to localhost.
FIRST_HOST_BASE = (127, 0, 1, 1)
DEAD_REMAINDER = 7
MOVED_REMAINDER = 13
ANSWER_PERIOD = 50
BIND_ATTEMPTS = 20
#: "raw": a minimal asyncio protocol (the default: least overhead of its own);
#: "aiohttp": aiohttp's server, to cross-check that the raw one answers like a real server.
ENGINES = ("raw", "aiohttp")


def host_address(index: int) -> str:
    """The loopback address of host number ``index`` (0-based): 127.0.1.1, 127.0.1.2, ..."""
    offset = FIRST_HOST_BASE[2] * 256 + FIRST_HOST_BASE[3] + index
    if offset >= 256 * 256 - 1:
        raise ValueError(f"too many hosts: {index + 1}")
    return f"127.0.{offset // 256}.{offset % 256}"


def expected_answer(number: int) -> int:
    """The status the server gives ``/a/<number>`` (before any redirect is followed)."""
    remainder = number % ANSWER_PERIOD
    if remainder == DEAD_REMAINDER:
        return 404
    if remainder == MOVED_REMAINDER:
        return 301
    return 200


@dataclass
class Tally:
    """Requests being answered right now, per host; the most ever seen at once; when.

    One tally covers one contender's run: the parent asks for it and a fresh one
    starts (see :func:`_control`).
    """

    current: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    total_current: int = 0
    total_peak: int = 0
    served: int = 0
    busy_seconds: float = 0.0  # summed over requests: with the span, gives the mean in flight
    spans: list[tuple[float, float]] = field(default_factory=list)  # (start, end) per request
    first_start: float | None = None
    last_end: float | None = None
    cpu_at_start: float = field(default_factory=lambda: _cpu_seconds())

    def enter(self, host: str) -> None:
        now = self.current.get(host, 0) + 1
        self.current[host] = now
        if now > self.peak.get(host, 0):
            self.peak[host] = now
        self.total_current += 1
        self.total_peak = max(self.total_peak, self.total_current)
        if self.first_start is None:
            self.first_start = time.monotonic()

    def leave(self, host: str, started: float) -> None:
        self.current[host] -= 1
        self.total_current -= 1
        self.served += 1
        self.last_end = time.monotonic()
        self.busy_seconds += self.last_end - started
        self.spans.append((started, self.last_end))

    def summary(self) -> dict[str, object]:
        span = (
            self.last_end - self.first_start
            if self.first_start is not None and self.last_end is not None
            else 0.0
        )
        return {
            "served": self.served,
            "serving_seconds": span,
            # time.monotonic() is system-wide: the parent lines these up with its own.
            "first_request_at": self.first_start,
            "last_answer_at": self.last_end,
            "mean_in_flight": self.busy_seconds / span if span else 0.0,
            "mean_in_flight_by_tenth": self.in_flight_by_tenth(),
            "max_in_flight_total": self.total_peak,
            "max_in_flight_per_host": max(self.peak.values(), default=0),
            "peak_per_host": dict(sorted(self.peak.items())),
            "cpu_seconds": _cpu_seconds() - self.cpu_at_start,
        }

    def in_flight_by_tenth(self) -> list[float]:
        """Mean requests in flight in each tenth of the serving span.

        Shows where slots went idle: a low first tenth is a slow start, a low
        last tenth a tail of few hosts with work left.
        """
        if self.first_start is None or self.last_end is None or self.last_end <= self.first_start:
            return []
        origin, width = self.first_start, (self.last_end - self.first_start) / 10
        busy = [0.0] * 10
        for start, end in self.spans:
            first, last = int((start - origin) / width), min(9, int((end - origin) / width))
            for tenth in range(first, last + 1):
                low, high = origin + tenth * width, origin + (tenth + 1) * width
                busy[tenth] += max(0.0, min(end, high) - max(start, low))
        return [round(b / width, 1) for b in busy]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Recorder:
    """Holds the current tally; handlers look it up per request so a reset takes effect."""

    tally: Tally = field(default_factory=Tally)

    def take(self) -> Tally:
        taken, self.tally = self.tally, Tally()
        return taken


Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


def _page(number: int) -> str:
    return (
        f"<!doctype html><html><head><title>Article {number}</title></head>"
        f"<body><h1>Article {number}</h1><p>{'Some text of the article. ' * 12}</p>"
        "</body></html>"
    )


NOT_FOUND_PAGE = "<!doctype html><html><head><title>Not found</title></head><body></body></html>"


def make_handler(latency: float, recorder: Recorder) -> Handler:
    async def answer(request: web.BaseRequest) -> web.StreamResponse:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        host = str(sockname[0]) if sockname else "?"
        tally = recorder.tally
        started = time.monotonic()
        tally.enter(host)
        try:
            await asyncio.sleep(latency)
            return _respond(request.path)
        finally:
            tally.leave(host, started)

    return answer


def _respond(path: str) -> web.Response:
    status, location, body = answer_for(path)
    headers = {"Location": location} if location else None
    return web.Response(status=status, headers=headers, text=body, content_type="text/html")


def answer_for(path: str) -> tuple[int, str | None, str]:
    """Status, ``Location`` (or None) and HTML body for a request path."""
    kind, _, tail = path.strip("/").partition("/")
    if not tail.isdigit() or kind not in ("a", "b"):
        return 404, None, NOT_FOUND_PAGE
    number = int(tail)
    status = expected_answer(number) if kind == "a" else 200
    if status == 404:
        return 404, None, NOT_FOUND_PAGE
    if status == 301:
        return 301, f"/b/{number}", ""
    return 200, None, _page(number)


REASONS = {200: "OK", 301: "Moved Permanently", 400: "Bad Request", 404: "Not Found"}
MAX_HEAD_BYTES = 16 * 1024


class DelayedHTTP(asyncio.Protocol):
    """Just enough HTTP/1.1 for link checkers, at a fraction of aiohttp's server cost.

    GET and HEAD without request bodies, keep-alive, one request at a time per
    connection (a pipelined request waits in the buffer).  The answer is written
    by a timer ``latency`` seconds after the request head arrived: no task per
    request, so the server adds as little delay of its own as it can.
    """

    def __init__(self, latency: float, recorder: Recorder) -> None:
        self._latency = latency
        self._recorder = recorder
        self._buffer = b""
        self._busy = False
        self._host = "?"
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sockname = transport.get_extra_info("sockname")
        self._host = str(sockname[0]) if sockname else "?"

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._next_request()

    def _next_request(self) -> None:
        if self._busy or self._transport is None or self._transport.is_closing():
            return
        head, found, rest = self._buffer.partition(b"\r\n\r\n")
        if not found:
            if len(self._buffer) > MAX_HEAD_BYTES:
                self._transport.close()
            return
        self._buffer = rest
        request_line, _, header_lines = head.partition(b"\r\n")
        parts = request_line.split()
        if len(parts) != 3:
            self._transport.write(_encode(400, None, "", head_only=False, keep_alive=False))
            self._transport.close()
            return
        method, target, version = parts
        lowered = header_lines.lower()
        keep_alive = b"connection: close" not in lowered and (
            version == b"HTTP/1.1" or b"connection: keep-alive" in lowered
        )
        tally = self._recorder.tally
        started = time.monotonic()
        tally.enter(self._host)
        self._busy = True
        asyncio.get_running_loop().call_later(
            self._latency,
            self._answer,
            tally,
            started,
            target.decode("latin-1"),
            method == b"HEAD",
            keep_alive,
        )

    def _answer(
        self, tally: Tally, started: float, target: str, head_only: bool, keep_alive: bool
    ) -> None:
        tally.leave(self._host, started)
        self._busy = False
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        status, location, body = answer_for(target.partition("?")[0])
        transport.write(_encode(status, location, body, head_only, keep_alive))
        if keep_alive:
            self._next_request()
        else:
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


def _encode(
    status: int, location: str | None, body: str, head_only: bool, keep_alive: bool
) -> bytes:
    payload = body.encode()
    lines = [
        f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(payload)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
    ]
    if location:
        lines.append(f"Location: {location}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + payload


def bind_sockets(hosts: list[str]) -> list[socket.socket]:
    """Listening sockets for every host on one common free port (retried if taken)."""
    for _ in range(BIND_ATTEMPTS):
        sockets: list[socket.socket] = []
        try:
            for host in hosts:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                port = sockets[0].getsockname()[1] if len(sockets) > 1 else 0
                sock.bind((host, port))
                sock.listen(1024)
                sock.setblocking(False)
            return sockets
        except OSError:
            for sock in sockets:
                sock.close()
    raise OSError(f"no common free port for {len(hosts)} loopback hosts")


async def _control(recorder: Recorder, max_seconds: float) -> None:
    """Obey stdin until it says ``stop`` or closes, or ``max_seconds`` pass (bounded).

    ``stats`` prints the current tally as one JSON line and starts a fresh one.
    """
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.strip())
        loop.call_soon_threadsafe(commands.put_nowait, "stop")

    # A daemon thread: a blocking read must not keep the process alive after a timeout.
    threading.Thread(target=read_stdin, daemon=True).start()
    deadline = loop.time() + max_seconds
    while (left := deadline - loop.time()) > 0:
        try:
            command = await asyncio.wait_for(commands.get(), left)
        except TimeoutError:
            return
        if command == "stop":
            return
        if command == "stats":
            print(json.dumps(recorder.take().summary()), flush=True)


async def serve(hosts: int, latency: float, max_seconds: float, engine: str) -> None:
    recorder = Recorder()
    sockets = bind_sockets([host_address(i) for i in range(hosts)])
    try:
        if engine == "aiohttp":
            await _serve_aiohttp(sockets, latency, recorder, max_seconds)
        else:
            await _serve_raw(sockets, latency, recorder, max_seconds)
    finally:
        for sock in sockets:
            sock.close()


async def _serve_raw(
    sockets: list[socket.socket], latency: float, recorder: Recorder, max_seconds: float
) -> None:
    loop = asyncio.get_running_loop()
    servers = [
        await loop.create_server(lambda: DelayedHTTP(latency, recorder), sock=sock)
        for sock in sockets
    ]
    try:
        print(json.dumps({"port": sockets[0].getsockname()[1]}), flush=True)
        await _control(recorder, max_seconds)
    finally:
        for server in servers:
            server.close()


async def _serve_aiohttp(
    sockets: list[socket.socket], latency: float, recorder: Recorder, max_seconds: float
) -> None:
    server = web.Server(make_handler(latency, recorder), access_log=None)
    runner = web.ServerRunner(server, handle_signals=False)
    await runner.setup()
    try:
        for sock in sockets:
            await web.SockSite(runner, sock, backlog=1024).start()
        print(json.dumps({"port": sockets[0].getsockname()[1]}), flush=True)
        await _control(recorder, max_seconds)
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    parser.add_argument("--engine", choices=ENGINES, default=ENGINES[0])
    args = parser.parse_args()
    # Ctrl-C reaches the whole process group; the parent reports it, so stop quietly.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.hosts, args.latency, args.max_seconds, args.engine))


if __name__ == "__main__":
    main()
