"""Scanning inputs into the store: all at once, or batch by batch beside the checks.

:func:`scan` extracts every document and stores it.  :class:`DueWhileScanning`
does the same in a thread, batch by batch, and hands each batch's due links to
the checker as soon as they are committed, so a run's first request goes out
while the rest of a large collection is still being read.
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
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import BinaryIO, cast

from linkcheck.config import Settings
from linkcheck.errors import InputError
from linkcheck.escapes import unescape_bytes
from linkcheck.extract import UnchangedInput, extract_documents
from linkcheck.extract.inputs import STDIN_NAME, document_name, folder_location
from linkcheck.store import ScanStats, Store
from linkcheck.types import (
    ChecksPlanned,
    Document,
    Event,
    InputSkipped,
    LinkIgnored,
    Notice,
    SkippedInput,
)

EventSink = Callable[[Event], None]


def ignore_event(_: Event) -> None:
    """The event sink that drops everything (the default when no one listens)."""


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What a scan found: the documents in scope and what was stored."""

    documents: tuple[str, ...]
    skipped: tuple[SkippedInput, ...]
    stats: ScanStats


@dataclass(slots=True)
class _ScanLog:
    """What a scan has met so far: documents in scope, unchanged ones, skipped inputs."""

    in_scope: list[str] = field(default_factory=list)
    #: where the documents in scope are: those files are certainly not gone
    read_at: set[str] = field(default_factory=set)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[SkippedInput] = field(default_factory=list)
    #: (path, location) of unchanged documents stored before locations were
    to_locate: list[tuple[str, str]] = field(default_factory=list)

    def outcome(self, stats: ScanStats) -> ScanOutcome:
        stats = replace(stats, unchanged=stats.unchanged + len(self.unchanged))
        return ScanOutcome(documents=tuple(self.in_scope), skipped=tuple(self.skipped), stats=stats)


def scan(
    store: Store,
    inputs: Sequence[str],
    settings: Settings,
    *,
    on_event: EventSink = ignore_event,
) -> ScanOutcome:
    """Extract every citation from ``inputs`` and store documents, links and citations.

    Documents whose bytes are unchanged since the last scan are not parsed again.
    """
    log = _ScanLog()
    items = _scan_items(store, inputs, settings, on_event, log)
    documents = (doc for doc in items if isinstance(doc, Document))
    stats = store.sync_documents(documents, reparse=settings.reparse)
    stats += _after_storing(store, inputs, log, on_event)
    return log.outcome(stats)


def _after_storing(
    store: Store, inputs: Sequence[str], log: _ScanLog, on_event: EventSink
) -> ScanStats:
    """Once every document is stored: locate the ones stored before locations were,
    then forget those whose files are gone."""
    store.locate_documents(log.to_locate)
    return forget_vanished(store, inputs, log, on_event)


def forget_vanished(
    store: Store, inputs: Sequence[str], log: _ScanLog, on_event: EventSink
) -> ScanStats:
    """Forget stored documents under a scanned directory whose files are gone.

    A deleted or renamed article must stop citing its links: otherwise its dead
    links fail every run and reports point at a file that no longer exists.
    Documents are judged by their stored location (where the file really is),
    never by their name, which is relative to the working directory of the scan
    that stored it; and only in the directories scanned, since a scan of one
    file says nothing about its neighbours.  Only files that are certainly gone
    go: a file this scan merely did not read (other ``--extensions``, skipped) is
    kept, so is one that cannot be looked at (permissions, a failing disk), and
    so is everything under a folder where this scan read nothing at all (an
    unmounted share looks like an empty folder).
    """
    judged: list[str] = []
    for raw in inputs:
        if raw == STDIN_NAME or not Path(raw).is_dir():
            continue
        if _read_under(raw, log):
            judged.append(folder_location(Path(raw)))
        else:
            on_event(Notice(f"nothing was read under {raw}: the documents stored from it are kept"))
    if not judged:
        return ScanStats()
    vanished = [
        (document_id, path)
        for document_id, path, location in store.located_documents()
        if any(location.startswith(folder) for folder in judged)
        and location not in log.read_at  # an escaped name (escape_surrogates) is no path
        and _is_gone(location)
    ]
    if not vanished:
        return ScanStats()
    removed = store.forget_documents([document_id for document_id, _ in vanished])
    names = [path for _, path in vanished]
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    documents = (
        "1 stored document whose file is"
        if removed == 1
        else f"{removed} stored documents whose files are"
    )
    on_event(Notice(f"forgot {documents} gone: {shown}"))
    return ScanStats(removed=removed)


def _read_under(folder: str, log: _ScanLog) -> bool:
    """Whether this scan found any document in ``folder`` (names are this scan's own)."""
    name = document_name(Path(folder))
    prefix = "" if name == "." else name.rstrip("/") + "/"
    found = chain(log.in_scope, (skipped.path for skipped in log.skipped))
    return any(path.startswith(prefix) and path != STDIN_NAME for path in found)


def _is_gone(location: str) -> bool:
    """True only when the file certainly no longer exists (not when it cannot be looked at).

    A location stored with escaped bytes (a name that is not UTF-8) is looked up
    by the name it was made from as well.
    """
    candidates = (location, unescape_bytes(location)) if "\\x" in location else (location,)
    for candidate in candidates:
        try:
            os.lstat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return False
        return False
    return True


def _scan_items(
    store: Store,
    inputs: Sequence[str],
    settings: Settings,
    on_event: EventSink,
    log: _ScanLog,
    *,
    stdin: BinaryIO | None = None,
) -> Iterator[Document | UnchangedInput]:
    """Documents to store and unchanged inputs, each recorded in ``log``."""
    is_unchanged = _unchanged_in(store, settings)
    # Empty once every stored document has been read since; only unchanged inputs
    # are looked up in it, and with --reparse there are none.
    unlocated = store.unlocated_paths() if is_unchanged is not None else set()
    items = extract_documents(inputs, settings.extract, stdin=stdin, is_unchanged=is_unchanged)
    for item in items:
        if isinstance(item, SkippedInput):
            log.skipped.append(item)
            on_event(InputSkipped(item))
            continue
        log.in_scope.append(item.path)
        if item.location is not None:
            log.read_at.add(item.location)
        if isinstance(item, UnchangedInput):
            log.unchanged.append(item.path)
            if item.path in unlocated and item.location is not None:
                log.to_locate.append((item.path, item.location))
        else:
            for ignored in item.ignored:
                on_event(LinkIgnored(ignored))
        yield item


def _unchanged_in(store: Store, settings: Settings) -> Callable[[str, str], bool] | None:
    if settings.reparse:
        return None
    known = store.document_hashes()  # one query, not one per document

    def unchanged(path: str, content_hash: str) -> bool:
        return known.get(path) == content_hash

    return unchanged


def require_documents(scanned: ScanOutcome) -> None:
    """Fail the run when inputs were given but none of them could be read as text."""
    if scanned.skipped and not scanned.documents:
        raise InputError(NO_READABLE_INPUT)


#: Why a run (or an extraction) fails when every input it was given was skipped.
NO_READABLE_INPUT = "none of the inputs could be read as text (see the messages above)"


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
class Tally:
    """Links a run plans to check and has checked so far (the scan thread reads both)."""

    planned: int = 0
    checked: int = 0


class _Stopped(Exception):
    """The run ended (interrupted, budget used up) while documents were still scanned."""


@dataclass(frozen=True, slots=True)
class _ScanEnded:
    error: BaseException | None


class DueWhileScanning:
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
        tally: Tally,
        *,
        on_event: EventSink,
        now: Callable[[], datetime],
        not_checked_in_run: int | None,
    ) -> None:
        self._store = store
        self._inputs = inputs
        self._settings = settings
        self._on_event = on_event
        self._now = now
        self._not_checked_in_run = not_checked_in_run
        self._log = _ScanLog()
        self._stats = ScanStats()
        self._tally = tally
        self._ahead = _URLS_AHEAD_PER_SLOT * settings.check.limits.concurrency
        self._in_transit = threading.Semaphore(_BATCHES_IN_TRANSIT)
        self._stop = threading.Event()

    def outcome(self) -> ScanOutcome:
        """What the scan did (so far, if it was stopped early)."""
        return self._log.outcome(self._stats)

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
            require_documents(self.outcome())
            self._announce(len(seen), final=True)
        finally:
            self._stop.set()
            thread.join()  # bounded: the thread stops after the batch it is storing

    def _announce(self, planned: int, *, final: bool) -> None:
        self._tally.planned = planned
        self._on_event(ChecksPlanned(planned, final=final))

    # ------------------------------------------------------------------ the thread

    def _scan(
        self, loop: asyncio.AbstractEventLoop, arrivals: asyncio.Queue[list[str] | _ScanEnded]
    ) -> None:
        def deliver(item: list[str] | _ScanEnded) -> None:
            loop.call_soon_threadsafe(arrivals.put_nowait, item)

        def on_event(event: Event) -> None:
            loop.call_soon_threadsafe(self._on_event, event)

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
            self._log,
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
        self._stats += _after_storing(self._store, self._inputs, self._log, on_event)

    def _store_batch(self, batch: list[Document | UnchangedInput]) -> list[str]:
        """Store the batch and return its due links, once there is room to hand them over."""
        if self._stop.is_set():
            raise _Stopped
        documents = (d for d in batch if isinstance(d, Document))
        self._stats += self._store.sync_documents(documents, reparse=self._settings.reparse)
        due = list(
            self._store.links_to_check(
                documents=[item.path for item in batch],
                max_age=self._settings.max_age,
                limit=None,
                not_checked_in_run=self._not_checked_in_run,
                now=self._now(),
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
