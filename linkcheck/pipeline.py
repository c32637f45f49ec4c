"""Scan → check → archive: the library entry points the CLI (and any Python code) calls.

The pipeline wires the components together and owns the run's life cycle: a run
row is opened before the first check and closed as completed, interrupted (Ctrl-C,
cancellation) or failed, and every result reaches the store's batch writer as soon
as it exists, so an interrupted run keeps everything it checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import select
import sys
import threading
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, BinaryIO, cast

from aiohttp.abc import AbstractResolver

from linkcheck.check.checker import Checker
from linkcheck.config import Settings
from linkcheck.errors import ConfigError, InputError, UsageError
from linkcheck.extract import UnchangedInput, extract_documents
from linkcheck.pages import looks_not_found
from linkcheck.store import ScanStats, Store
from linkcheck.types import (
    ChecksPlanned,
    Document,
    Event,
    InputSkipped,
    LinkIgnored,
    Notice,
    RunStatus,
    RunSummary,
    SaveOutcome,
    SkippedInput,
    Snapshot,
    Verdict,
)

if TYPE_CHECKING:
    from linkcheck.archive.wayback import Wayback

EventSink = Callable[[Event], None]


def _ignore(_: Event) -> None:
    pass


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What a scan found: the documents in scope and what was stored."""

    documents: tuple[str, ...]
    skipped: tuple[SkippedInput, ...]
    stats: ScanStats


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    run_id: int
    summary: RunSummary
    scan: ScanOutcome
    snapshots: tuple[Snapshot, ...] = field(default=())


def scan(
    store: Store,
    inputs: Sequence[str],
    settings: Settings,
    *,
    on_event: EventSink = _ignore,
) -> ScanOutcome:
    """Extract every citation from ``inputs`` and store documents, links and citations.

    Documents whose bytes are unchanged since the last scan are not parsed again.
    """
    in_scope: list[str] = []
    unchanged: list[str] = []
    skipped: list[SkippedInput] = []
    items = _scan_items(store, inputs, settings, on_event, in_scope, unchanged, skipped)
    stats = store.sync_documents(doc for doc in items if isinstance(doc, Document))
    return _outcome(in_scope, unchanged, skipped, stats)


def _scan_items(
    store: Store,
    inputs: Sequence[str],
    settings: Settings,
    on_event: EventSink,
    in_scope: list[str],
    unchanged: list[str],
    skipped: list[SkippedInput],
    *,
    stdin: BinaryIO | None = None,
) -> Iterator[Document | UnchangedInput]:
    """Documents to store and unchanged inputs, recording each in the lists given."""
    is_unchanged = _unchanged_in(store, settings)
    items = extract_documents(inputs, settings.extract, stdin=stdin, is_unchanged=is_unchanged)
    for item in items:
        if isinstance(item, SkippedInput):
            skipped.append(item)
            on_event(InputSkipped(item))
            continue
        in_scope.append(item.path)
        if isinstance(item, UnchangedInput):
            unchanged.append(item.path)
        else:
            for ignored in item.ignored:
                on_event(LinkIgnored(ignored))
        yield item


def _outcome(
    in_scope: list[str], unchanged: list[str], skipped: list[SkippedInput], stats: ScanStats
) -> ScanOutcome:
    stats = replace(stats, unchanged=stats.unchanged + len(unchanged))
    return ScanOutcome(documents=tuple(in_scope), skipped=tuple(skipped), stats=stats)


def _unchanged_in(store: Store, settings: Settings) -> Callable[[str, str], bool] | None:
    if settings.reparse:
        return None
    known = store.document_hashes()  # one query, not one per document

    def unchanged(path: str, content_hash: str) -> bool:
        return known.get(path) == content_hash

    return unchanged


async def check(
    store: Store,
    inputs: Sequence[str],
    settings: Settings,
    *,
    on_event: EventSink = _ignore,
    resolver: AbstractResolver | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CheckOutcome:
    """Scan ``inputs``, check every due link they cite, and record a run.

    ``now`` is the wall clock: results are stamped with it and due links are
    chosen by it (tests drive nightly runs through it without waiting).

    Raises :class:`linkcheck.errors.NetworkUnreachable` (the run is marked failed,
    nothing is recorded as dead) when nothing at all can be reached, and
    :class:`linkcheck.errors.DatabaseBusy` when another run holds the database
    longer than ``settings.wait``.
    """
    # The run (and its lock on the database) comes first: two runs never scan at once.
    run_id = store.start_run(inputs=inputs, options=settings.describe(), wait=settings.wait)
    machinery = _Machinery(on_event, resolver, sleep, now)
    return await _finish_run(store, run_id, inputs, settings, machinery, resumed=False)


async def resume(
    store: Store,
    settings: Settings,
    *,
    run_id: int | None = None,
    on_event: EventSink = _ignore,
    resolver: AbstractResolver | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CheckOutcome:
    """Finish an interrupted run (the latest, or ``run_id``) without re-checking its links."""
    run = store.resumable_run(run_id)
    if run is None:
        which = f"run {run_id} is not" if run_id else "no run is"
        raise UsageError(f"{which} interrupted: nothing to resume")
    inputs, _ = store.resume_run(run.id, wait=settings.wait)
    if "-" in inputs:
        store.finish_run(run.id, RunStatus.INTERRUPTED)  # gives the lock back untouched
        raise UsageError(
            f"run {run.id} read standard input, which cannot be read again: "
            "check afresh instead of resuming"
        )
    on_event(Notice(f"resuming run {run.id} over {', '.join(inputs)}"))
    machinery = _Machinery(on_event, resolver, sleep, now)
    return await _finish_run(store, run.id, inputs, settings, machinery, resumed=True)


@dataclass(frozen=True, slots=True)
class _Machinery:
    """What a run is driven by besides its settings: events, resolver, clocks."""

    on_event: EventSink
    resolver: AbstractResolver | None
    sleep: Callable[[float], Awaitable[None]]
    now: Callable[[], datetime]


async def _finish_run(
    store: Store,
    run_id: int,
    inputs: Sequence[str],
    settings: Settings,
    machinery: _Machinery,
    *,
    resumed: bool,
) -> CheckOutcome:
    """Scan, check the run's due links, and close the run row whatever happens."""
    status = RunStatus.FAILED
    try:
        run = _scan_while_checking if _may_overlap(store, settings) else _scan_then_check
        scanned = await run(store, run_id, inputs, settings, machinery, resumed)
        status = RunStatus.COMPLETED
    except (KeyboardInterrupt, asyncio.CancelledError):
        status = RunStatus.INTERRUPTED
        raise
    finally:
        store.finish_run(run_id, status)
    snapshots: tuple[Snapshot, ...] = ()
    if settings.archive_failures:
        snapshots = await lookup_snapshots(
            store, settings, run_id=run_id, on_event=machinery.on_event
        )
    summary = store.run_summary(run_id)
    assert summary is not None  # the run row was written above
    return CheckOutcome(run_id=run_id, summary=summary, scan=scanned, snapshots=snapshots)


def _may_overlap(store: Store, settings: Settings) -> bool:
    """Whether checking may start before the scan ends.

    Not when the night's work is bounded (``--limit``, ``--budget``): what is done
    must be the most urgent links of the whole collection (never checked, then
    failing, then the longest overdue), or links failing early in the collection
    would take every night's budget and starve new documents.  Not for an
    in-memory database either, whose one connection two threads cannot share.
    """
    bounded = settings.limit is not None or settings.budget is not None
    return not bounded and store.takes_concurrent_writers


async def _scan_then_check(
    store: Store,
    run_id: int,
    inputs: Sequence[str],
    settings: Settings,
    machinery: _Machinery,
    resumed: bool,
) -> ScanOutcome:
    """The whole scan first, then the due links of all documents in priority order."""
    scanned = scan(store, inputs, settings, on_event=machinery.on_event)
    _require_documents(scanned)
    urls = list(
        store.links_to_check(
            documents=scanned.documents,
            max_age=settings.max_age,
            limit=settings.limit,
            not_checked_in_run=run_id if resumed else None,
            now=machinery.now(),
        )
    )
    machinery.on_event(ChecksPlanned(len(urls)))
    await _check_urls(store, run_id, urls, _Tally(planned=len(urls)), settings, machinery)
    return scanned


async def _scan_while_checking(
    store: Store,
    run_id: int,
    inputs: Sequence[str],
    settings: Settings,
    machinery: _Machinery,
    resumed: bool,
) -> ScanOutcome:
    """Check each batch of documents' due links as soon as the batch is stored.

    The first request goes out while most documents are still being read, so a
    large collection is not scanned in full before anything is checked.
    """
    tally = _Tally()
    feed = _DueWhileScanning(
        store, inputs, settings, machinery, tally, not_checked_in_run=run_id if resumed else None
    )
    # Closed here whatever happens: the scanning thread has ended before its outcome is read.
    async with contextlib.aclosing(feed.urls()) as urls:
        await _check_urls(store, run_id, urls, tally, settings, machinery)
    return feed.outcome()


def _require_documents(scanned: ScanOutcome) -> None:
    if scanned.skipped and not scanned.documents:
        raise InputError("none of the inputs could be read as text (see the messages above)")


async def _check_urls(
    store: Store,
    run_id: int,
    urls: Iterable[str] | AsyncIterable[str],
    tally: _Tally,
    settings: Settings,
    machinery: _Machinery,
) -> None:
    checker = Checker(
        settings.check,
        on_event=machinery.on_event,
        resolver=machinery.resolver,
        sleep=machinery.sleep,
        now=machinery.now,
    )
    budget = settings.budget.total_seconds() if settings.budget else None
    writer = store.writer(run_id, policy=settings.death_policy, recheck_good=settings.max_age)
    with writer:
        try:
            async with asyncio.timeout(budget), checker:
                async for result in checker.check_all(urls):  # the checker emits LinkChecked
                    writer.add(result)
                    tally.checked += 1
        except TimeoutError:
            left = tally.planned - tally.checked
            machinery.on_event(Notice(f"time budget used up: {left} links left for the next run"))


#: Documents per batch the scanning thread stores before handing over their due
#: links: one at first, so the first checks start at once (even while a slow input
#: such as standard input is still being read), then twice as many each time, so
#: each due-link query covers many.
_FIRST_BATCH = 1
_LARGEST_BATCH = 256
#: Links found due but not yet checked, per global concurrency slot, before the
#: scanning thread waits: enough to keep every slot busy across many hosts, few
#: enough that the scan's CPU is spread over the run instead of taking the GIL
#: from the event loop while the first requests go out.
_URLS_AHEAD_PER_SLOT = 32
#: Batches handed over but not yet taken by the event loop (whose links are not
#: counted as planned yet).
_BATCHES_IN_TRANSIT = 2
#: How often (seconds) a waiting scanning thread looks again.
_WAIT_POLL_SECONDS = 0.005


@dataclass(slots=True)
class _Tally:
    """Links a run plans to check and has checked so far (the scan thread reads both)."""

    planned: int = 0
    checked: int = 0


class _Stopped(Exception):
    """The run ended (interrupted, budget used up) while documents were still scanned."""


@dataclass(frozen=True, slots=True)
class _ScanEnded:
    error: BaseException | None


class _DueWhileScanning:
    """Scans in a thread, batch by batch, and hands over each batch's due links.

    Everything the thread stores is committed before its links are handed over,
    so the result writer always finds the link rows it updates.  The thread's
    events reach ``on_event`` on the event loop's thread.
    """

    def __init__(
        self,
        store: Store,
        inputs: Sequence[str],
        settings: Settings,
        machinery: _Machinery,
        tally: _Tally,
        *,
        not_checked_in_run: int | None,
    ) -> None:
        self._store = store
        self._inputs = inputs
        self._settings = settings
        self._machinery = machinery
        self._not_checked_in_run = not_checked_in_run
        self._in_scope: list[str] = []
        self._unchanged: list[str] = []
        self._skipped: list[SkippedInput] = []
        self._stats = ScanStats()
        self._tally = tally
        self._ahead = _URLS_AHEAD_PER_SLOT * settings.check.limits.concurrency
        self._in_transit = threading.Semaphore(_BATCHES_IN_TRANSIT)
        self._stop = threading.Event()

    def outcome(self) -> ScanOutcome:
        """What the scan did (so far, if it was stopped early)."""
        return _outcome(self._in_scope, self._unchanged, self._skipped, self._stats)

    async def urls(self) -> AsyncGenerator[str, None]:
        """Each due link once, batch by batch, as the scanning thread stores them."""
        loop = asyncio.get_running_loop()
        arrivals: asyncio.Queue[list[str] | _ScanEnded] = asyncio.Queue()
        thread = threading.Thread(
            target=self._scan, args=(loop, arrivals), name="linkcheck-scan", daemon=True
        )
        thread.start()
        seen: set[str] = set()
        try:
            while not isinstance(batch := await arrivals.get(), _ScanEnded):
                self._in_transit.release()
                fresh = [url for url in dict.fromkeys(batch) if url not in seen]
                seen.update(fresh)
                self._announce(len(seen), final=False)  # counted before the checker has them
                for url in fresh:
                    yield url
            if batch.error is not None:
                raise batch.error
            # The scan is over: fail on unreadable inputs before announcing "0 links".
            _require_documents(self.outcome())
            self._announce(len(seen), final=True)
        finally:
            self._stop.set()
            thread.join()  # bounded: the thread stops after the batch it is storing

    def _announce(self, planned: int, *, final: bool) -> None:
        self._tally.planned = planned
        self._machinery.on_event(ChecksPlanned(planned, final=final))

    # ------------------------------------------------------------------ the thread

    def _scan(
        self, loop: asyncio.AbstractEventLoop, arrivals: asyncio.Queue[list[str] | _ScanEnded]
    ) -> None:
        def deliver(item: list[str] | _ScanEnded) -> None:
            loop.call_soon_threadsafe(arrivals.put_nowait, item)

        def on_event(event: Event) -> None:
            loop.call_soon_threadsafe(self._machinery.on_event, event)

        error: BaseException | None = None
        try:
            self._scan_batches(on_event, deliver)
        except _Stopped:
            pass
        except BaseException as failure:  # the run stops with it, on the loop's side
            error = failure
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            deliver(_ScanEnded(error))

    def _scan_batches(
        self, on_event: EventSink, deliver: Callable[[list[str] | _ScanEnded], None]
    ) -> None:
        items = _scan_items(
            self._store,
            self._inputs,
            self._settings,
            on_event,
            self._in_scope,
            self._unchanged,
            self._skipped,
            stdin=_stdin_until(self._stop),
        )
        size = _FIRST_BATCH
        batch: list[Document | UnchangedInput] = []
        for item in items:
            if self._stop.is_set():
                raise _Stopped
            # Give the GIL to the event loop if it waits: answers are read on time
            # instead of after up to a switch interval (5 ms) of scanning.
            time.sleep(0)
            batch.append(item)
            if len(batch) >= size:
                deliver(self._store_batch(batch))
                batch, size = [], min(2 * size, _LARGEST_BATCH)
        if batch:
            deliver(self._store_batch(batch))

    def _store_batch(self, batch: list[Document | UnchangedInput]) -> list[str]:
        """Store the batch and return its due links, once there is room to hand them over."""
        if self._stop.is_set():
            raise _Stopped
        self._stats += self._store.sync_documents(d for d in batch if isinstance(d, Document))
        due = list(
            self._store.links_to_check(
                documents=[item.path for item in batch],
                max_age=self._settings.max_age,
                limit=None,
                not_checked_in_run=self._not_checked_in_run,
                now=self._machinery.now(),
            )
        )
        while not self._room_for_more():
            if self._stop.is_set():
                raise _Stopped
            time.sleep(_WAIT_POLL_SECONDS)
        return due

    def _room_for_more(self) -> bool:
        if self._tally.planned - self._tally.checked > self._ahead:
            return False
        return self._in_transit.acquire(blocking=False)


def _stdin_until(stop: threading.Event) -> BinaryIO | None:
    """Standard input for the scanning thread, read so that ``stop`` is heard while it waits.

    ``None`` (the usual ``sys.stdin.buffer``) where standard input is no descriptor
    ``select`` can watch: not a real one (a test's stand-in), or Windows.
    """
    if sys.platform == "win32" or sys.stdin is None:
        return None
    try:
        descriptor = sys.stdin.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None
    return cast(BinaryIO, _StoppableStdin(descriptor, stop))


class _StoppableStdin:
    """Reads a descriptor only once ``select`` says bytes (or its end) are there.

    A thread blocked in ``read`` cannot be woken: a producer that keeps standard input
    open would hold a stopped run at ``thread.join()``, and a thread stuck inside the
    buffered reader at exit makes the interpreter's shutdown abort.  Read directly from
    the descriptor, waiting in short ``select`` calls, the thread gives up with
    :class:`_Stopped` as soon as the run ends.
    """

    def __init__(self, descriptor: int, stop: threading.Event) -> None:
        self._descriptor = descriptor
        self._stop = stop

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all, if negative), fewer only at the input's end."""
        chunks: list[bytes] = []
        wanted = size if size >= 0 else math.inf
        got = 0
        while got < wanted:
            self._wait_until_readable()
            chunk = os.read(self._descriptor, int(min(_STDIN_CHUNK, wanted - got)))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _wait_until_readable(self) -> None:
        while not select.select([self._descriptor], [], [], _WAIT_POLL_SECONDS * 10)[0]:
            if self._stop.is_set():
                raise _Stopped
        if self._stop.is_set():
            raise _Stopped


#: Bytes asked of standard input per read.
_STDIN_CHUNK = 1024 * 1024


async def lookup_snapshots(
    store: Store,
    settings: Settings,
    *,
    run_id: int | None = None,
    limit: int | None = None,
    on_event: EventSink = _ignore,
) -> tuple[Snapshot, ...]:
    """Find the archived copy of every failing link of a run (default: the latest run).

    A link whose archive answer is already stored is not asked about again unless
    ``settings.refresh_snapshots``; a look-up that failed on archive trouble is.
    """
    rows = [
        row
        for row in store.link_rows(run_id=run_id, verdicts=settings.archive_verdicts)
        if settings.refresh_snapshots or row.snapshot is None or row.snapshot.error is not None
    ][:limit]
    if not rows:
        return ()
    found: list[Snapshot] = []
    async with _wayback(settings, on_event) as wb:
        for row in rows:
            snapshot = await wb.lookup(
                row.url,
                _citation_date(c.cited_at for c in row.citations),
                last_alive=store.last_alive_at(row.url),
            )
            store.save_snapshot(snapshot)
            found.append(snapshot)
    return tuple(found)


async def save_live_links(
    store: Store,
    settings: Settings,
    *,
    run_id: int | None = None,
    limit: int | None = None,
    on_event: EventSink = _ignore,
) -> tuple[SaveOutcome, ...]:
    """Ask the archive to capture live cited links it holds no recent capture of.

    Raises :class:`linkcheck.errors.ConfigError` when no credentials are set.
    """
    if not settings.archive.has_credentials:
        from linkcheck.archive.wayback import MISSING_CREDENTIALS

        raise ConfigError(MISSING_CREDENTIALS)
    live = (row.url for row in store.link_rows(run_id=run_id, verdicts=_LIVE_VERDICTS))
    outcomes: list[SaveOutcome] = []
    async with _wayback(settings, on_event) as wb:
        for url in live:
            if limit is not None and len(outcomes) >= limit:
                break
            if wb.gave_up or not await wb.needs_save(url):
                continue
            outcome = await wb.save(url)
            store.save_outcome(outcome)
            outcomes.append(outcome)
    return tuple(outcomes)


_LIVE_VERDICTS = frozenset({Verdict.ALIVE, Verdict.MOVED})


def _wayback(settings: Settings, on_event: EventSink) -> Wayback:
    # Imported here: waybackpy and requests cost start-up time most runs never use.
    from linkcheck.archive.wayback import Wayback

    return Wayback(settings.archive, is_not_found=looks_not_found, on_event=on_event)


def _citation_date(dates: Iterable[date | None]) -> date | None:
    """The earliest known citation date: when the source was first relied on."""
    known = [d for d in dates if d is not None]
    return min(known) if known else None
