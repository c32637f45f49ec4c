"""Scan → check → archive: the library entry points the CLI (and any Python code) calls.

The pipeline wires the components together and owns the run's life cycle: a run
row is opened before the first check and closed as completed, interrupted (Ctrl-C,
cancellation) or failed, and every result reaches the store's batch writer as soon
as it exists, so an interrupted run keeps everything it checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

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

    def parsed_documents() -> Iterator[Document]:
        items = extract_documents(
            inputs, settings.extract, is_unchanged=_unchanged_in(store, settings)
        )
        for item in items:
            if isinstance(item, SkippedInput):
                skipped.append(item)
                on_event(InputSkipped(item))
            elif isinstance(item, UnchangedInput):
                in_scope.append(item.path)
                unchanged.append(item.path)
            else:
                in_scope.append(item.path)
                for ignored in item.ignored:
                    on_event(LinkIgnored(ignored))
                yield item

    stats = store.sync_documents(parsed_documents())
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
        on_event = machinery.on_event
        scanned = scan(store, inputs, settings, on_event=on_event)
        if scanned.skipped and not scanned.documents:
            raise InputError("none of the inputs could be read as text (see the messages above)")
        urls = list(
            store.links_to_check(
                documents=scanned.documents,
                max_age=settings.max_age,
                limit=settings.limit,
                not_checked_in_run=run_id if resumed else None,
                now=machinery.now(),
            )
        )
        on_event(ChecksPlanned(len(urls)))
        await _check_urls(store, run_id, urls, settings, machinery)
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


async def _check_urls(
    store: Store,
    run_id: int,
    urls: Sequence[str],
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
    checked = 0
    with writer:
        try:
            async with asyncio.timeout(budget), checker:
                async for result in checker.check_all(urls):  # the checker emits LinkChecked
                    writer.add(result)
                    checked += 1
        except TimeoutError:
            left = len(urls) - checked
            machinery.on_event(Notice(f"time budget used up: {left} links left for the next run"))


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
