"""A fake Wayback Machine on 127.0.0.1 that speaks the real archive's shapes.

* ``GET /cdx/search/cdx``: plain 7-field CDX lines (``urlkey timestamp original
  mimetype statuscode digest length``) for the parameters waybackpy sends
  (``url``, ``from``, ``to``, ``filter``, ``limit`` (negative: the last N),
  ``gzip``, ``matchType``, ``showResumeKey``); any other parameter is a 400, so
  a client cannot rely on something the fake does not check.
* ``GET /web/<timestamp>id_/<url>``: the raw archived page; ``/web/<timestamp>/<url>``
  the page for readers.
* Save Page Now 2: ``POST /save`` and ``GET /save/status/<job_id>``, with
  pending then success/error jobs, HTTP 200 refusals and 429s, as scripted per URL.

Switches: :meth:`FakeArchive.go_down` (connection refused), ``hanging`` (never
answers; ``hang_prefix`` narrows it to some paths), ``always_429`` /
``answer_429`` (rate limiting), ``index_answer`` (a :class:`CannedAnswer` the
capture index gives instead of its own: what a wrong base URL, a pywb server
or a runaway index would send).  Every request is recorded with the time it
arrived, read from an injectable clock so pacing can be asserted on a fake clock.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from aiohttp import web

ACCESS_KEY = "fake-access-key"
SECRET_KEY = "fake-secret-key-do-not-log"
PAGE = "<html><head><title>An article</title></head><body>The source as cited.</body></html>"
NOT_FOUND_PAGE = "<html><head><title>Page not found</title></head><body>Sorry.</body></html>"
BLOCKED_SITE = (
    "org.archive.util.io.RuntimeIOException: "
    "org.archive.wayback.exception.AdministrativeAccessControlException: Blocked Site Error"
)
CDX_PARAMETERS = frozenset(
    {"url", "from", "to", "filter", "limit", "gzip", "matchType", "showResumeKey"}
)
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")


@dataclass(frozen=True)
class FakeCapture:
    """One capture the fake archive holds."""

    url: str
    timestamp: str
    status: str = "200"
    body: str = PAGE
    mimetype: str = "text/html"

    def cdx_line(self) -> str:
        digest = base64.b32encode(hashlib.sha1(self.body.encode()).digest()).decode()
        length = len(self.body.encode())
        return (
            f"{surt(self.url)} {self.timestamp} {self.url} {self.mimetype} "
            f"{self.status} {digest} {length}"
        )

    def field(self, name: str) -> str:
        return self.cdx_line().split(" ")[CDX_FIELDS.index(name)]


@dataclass(frozen=True)
class CannedAnswer:
    """An answer the capture index gives in place of its own."""

    status: int = 200
    body: str = ""
    content_type: str = "text/plain"


#: what a pywb capture index answers for a URL it holds no captures of
PYWB_NO_CAPTURES = CannedAnswer(
    404, '{"message": "No Captures found for: example.org"}', "application/json"
)


@dataclass(frozen=True)
class SaveScript:
    """How Save Page Now answers for one URL.

    ``submit``: ``"job"`` (a job id), ``"error"`` (HTTP 200 with a JSON error
    carrying ``status_ext``) or ``"429"``.  A job answers ``pending`` for
    ``pending_polls`` status requests, then ``final`` (``"success"``/``"error"``).
    """

    submit: str = "job"
    status_ext: str | None = None
    pending_polls: int = 1
    final: str = "success"
    timestamp: str = "20250601120000"
    message: str = "scripted answer"


@dataclass(frozen=True)
class Seen:
    """One request as the fake archive received it."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]
    at: float

    def param(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    def form_value(self, name: str) -> str | None:
        return next((value for key, value in self.form if key == name), None)


@dataclass
class Job:
    url: str
    script: SaveScript
    polls: int = 0


@dataclass
class FakeArchive:
    """The fake archive's state; start it with ``async with``."""

    clock: Callable[[], float] = time.monotonic
    captures: list[FakeCapture] = field(default_factory=list)
    saves: dict[str, SaveScript] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    excluded: set[str] = field(default_factory=set)  # URLs the archive refuses to show
    hanging: bool = False
    hang_prefix: str = "/"  # with ``hanging``: only requests under this path hang
    always_429: bool = False
    answer_429: int = 0  # answer this many of the next requests with 429
    retry_after: str | None = "1"
    index_answer: CannedAnswer | None = None
    jobs: dict[str, Job] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    # ----------------------------------------------------------------------- set-up

    def add(self, url: str, timestamp: str, status: str = "200", body: str = PAGE) -> FakeCapture:
        capture = FakeCapture(url, timestamp, status, body)
        self.captures.append(capture)
        return capture

    def answer_index_with(self, status: int, body: str, content_type: str) -> None:
        """From now on the capture index gives this answer instead of its own."""
        self.index_answer = CannedAnswer(status, body, content_type)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def requests_to(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(prefix)]

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=[self._gate])
        app.router.add_get("/cdx/search/cdx", self._cdx)
        app.router.add_post("/save", self._save)
        app.router.add_get("/save/status/{job_id}", self._status)
        app.router.add_get("/web/{spec}/{target:.*}", self._page)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.go_down()

    async def go_down(self) -> None:
        """Stop listening: from now on connections to ``base_url`` are refused."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ----------------------------------------------------------------------- handlers

    @web.middleware
    async def _gate(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        form = await request.post() if request.method == "POST" else {}
        self.seen.append(
            Seen(
                request.method,
                request.path,
                tuple(request.query.items()),
                tuple((k, str(v)) for k, v in form.items()),
                self.clock(),
            )
        )
        if self.hanging and request.path.startswith(self.hang_prefix):
            # Bounded: the fake releases hung requests when it goes down.
            await asyncio.wait_for(self._release.wait(), timeout=30)
        if self.always_429 or self.answer_429 > 0:
            self.answer_429 = max(0, self.answer_429 - 1)
            headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
            return web.Response(status=429, text="Too Many Requests", headers=headers)
        response: web.StreamResponse = await handler(request)
        return response

    async def _cdx(self, request: web.Request) -> web.Response:
        if self.index_answer is not None:
            canned = self.index_answer
            return web.Response(
                status=canned.status, text=canned.body, content_type=canned.content_type
            )
        unknown = set(request.query) - CDX_PARAMETERS
        if unknown or "url" not in request.query:
            return web.Response(status=400, text=f"unsupported parameters: {sorted(unknown)}")
        if request.query.get("matchType", "exact") != "exact":
            return web.Response(status=400, text="only exact matches here")
        if request.query["url"] in self.excluded:
            return web.Response(status=403, text=BLOCKED_SITE)
        rows = sorted(
            (c for c in self.captures if c.url == request.query["url"]), key=lambda c: c.timestamp
        )
        rows = [c for c in rows if _in_range(c.timestamp, request.query)]
        for spec in request.query.getall("filter", []):
            rows = [c for c in rows if _passes(c, spec)]
        lines = [c.cdx_line() for c in _limited(rows, request.query.get("limit"))]
        if request.query.get("showResumeKey") == "true" and len(lines) < len(rows):
            lines += ["", f"{surt(request.query['url'])}+{rows[len(lines)].timestamp}"]
        return web.Response(text="".join(f"{line}\n" for line in lines))

    async def _page(self, request: web.Request) -> web.Response:
        spec = request.match_info["spec"]
        target = request.match_info["target"]
        if request.query_string:
            target += f"?{request.query_string}"
        timestamp = spec.removesuffix("id_")
        for capture in self.captures:
            if capture.url == target and capture.timestamp == timestamp:
                status = int(capture.status) if capture.status.isdigit() else 200
                body = (
                    capture.body
                    if spec.endswith("id_")
                    else f"<!-- archive banner -->{capture.body}"
                )
                return web.Response(status=status, text=body, content_type="text/html")
        return web.Response(status=404, text="Hrm. The Wayback Machine has not archived that URL.")

    async def _save(self, request: web.Request) -> web.Response:
        if not _authorized(request):
            return web.Response(status=401, text="Unauthorized")
        url = str((await request.post()).get("url", ""))
        script = self.saves.get(url, SaveScript())
        if script.submit == "429":
            return web.Response(status=429, text="Too Many Requests")
        if script.submit == "error":
            return web.json_response(
                {"status": "error", "status_ext": script.status_ext, "message": script.message}
            )
        job_id = str(uuid.uuid4())
        self.jobs[job_id] = Job(url, script)
        return web.json_response({"url": url, "job_id": job_id})

    async def _status(self, request: web.Request) -> web.Response:
        if not _authorized(request):
            return web.Response(status=401, text="Unauthorized")
        job_id = request.match_info["job_id"]
        job = self.jobs.get(job_id)
        if job is None:
            return web.Response(status=404, text="no such job")
        job.polls += 1
        if job.polls <= job.script.pending_polls:
            return web.json_response({"status": "pending", "job_id": job_id, "resources": []})
        if job.script.final == "success":
            return web.json_response(
                {
                    "status": "success",
                    "job_id": job_id,
                    "original_url": job.url,
                    "timestamp": job.script.timestamp,
                    "duration_sec": 1.5,
                    "resources": [job.url],
                }
            )
        return web.json_response(
            {
                "status": "error",
                "exception": "scripted failure",
                "status_ext": job.script.status_ext,
                "job_id": job_id,
                "message": job.script.message,
                "resources": [],
            }
        )


@dataclass
class FakeClock:
    """A monotonic clock that moves only when something sleeps on it."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def looks_not_found(text: str) -> bool:
    """A stand-in for the soft-404 rules: enough to tell the fake's pages apart."""
    return "not found" in text.lower()


def surt(url: str) -> str:
    """A simple SURT key, as the CDX ``urlkey`` field shows it."""
    parts = urlsplit(url.lower())
    host = (parts.hostname or "").removeprefix("www.")
    key = ",".join(reversed(host.split("."))) + ")" + (parts.path or "/")
    return f"{key}?{parts.query}" if parts.query else key


def _authorized(request: web.Request) -> bool:
    return request.headers.get("Authorization") == f"LOW {ACCESS_KEY}:{SECRET_KEY}"


def _in_range(timestamp: str, query: Any) -> bool:
    # CDX bounds are inclusive and may be 1 to 14 digits long.
    start = query.get("from")
    end = query.get("to")
    if start is not None and timestamp < start.ljust(14, "0"):
        return False
    return end is None or timestamp <= end.ljust(14, "9")


def _passes(capture: FakeCapture, spec: str) -> bool:
    inverted = spec.startswith("!")
    name, _, pattern = spec.removeprefix("!").partition(":")
    matched = re.fullmatch(pattern, capture.field(name)) is not None
    return matched != inverted


def _limited(rows: list[FakeCapture], limit: str | None) -> list[FakeCapture]:
    if limit is None:
        return rows
    n = int(limit)
    return rows[n:] if n < 0 else rows[:n]
