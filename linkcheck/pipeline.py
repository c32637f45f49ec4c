"""Scan → check → archive: the library entry points the CLI (and any Python code) calls.

The pipeline wires the components together and owns the run's life cycle: a run
row is opened before the first check and closed as completed, interrupted (Ctrl-C,
cancellation) or failed, and every result reaches the store's batch writer as soon
as it exists, so an interrupted run keeps everything it checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import (
    AsyncIterable,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp.abc import AbstractResolver

from linkcheck.check.checker import Checker
from linkcheck.check.options import exclusion_pattern
from linkcheck.config import Settings
from linkcheck.errors import ConfigError, LinkcheckError, UsageError
from linkcheck.pages import looks_not_found
from linkcheck.report.summary import plural
from linkcheck.scanning import (
    DueWhileScanning,
    EventSink,
    ScanOutcome,
    Tally,
    ignore_event,
    require_documents,
    scan,
)
from linkcheck.store import Store
from linkcheck.types import (
    ChecksPlanned,
    LinkRow,
    Notice,
    RunStatus,
    RunSummary,
    SaveOutcome,
    Snapshot,
    Verdict,
)

if TYPE_CHECKING:
    from linkcheck.archive.wayback import Wayback


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    run_id: int
    summary: RunSummary
    scan: ScanOutcome
    snapshots: tuple[Snapshot, ...] = field(default=())


async def check(
    store: Store,
    inputs: Sequence[str],
    settings: Settings,
    *,
    on_event: EventSink = ignore_event,
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
    if not inputs:  # as the CLI says: a run over nothing would record an empty "completed" run
        raise UsageError("name the files or directories to check")
    # The run (and its lock on the database) comes first: two runs never scan at once.
    run_id = store.start_run(
        inputs=inputs, options=settings.describe(), wait=settings.wait, started_at=now()
    )
    machinery = _Machinery(on_event, resolver, sleep, now)
    return await _finish_run(store, run_id, inputs, settings, machinery, resumed=False)


async def resume(
    store: Store,
    settings: Settings,
    *,
    run_id: int | None = None,
    on_event: EventSink = ignore_event,
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
    status, reason = RunStatus.FAILED, None
    try:
        run = _scan_while_checking if _may_overlap(store, settings) else _scan_then_check
        scanned, reason = await run(store, run_id, inputs, settings, machinery, resumed)
        status = RunStatus.COMPLETED
    except (KeyboardInterrupt, asyncio.CancelledError):
        status = RunStatus.INTERRUPTED
        raise
    except Exception as error:
        reason = _failure_reason(error)
        raise
    finally:
        store.finish_run(run_id, status, error=reason)
    snapshots: tuple[Snapshot, ...] = ()
    if settings.archive_failures:
        snapshots = await lookup_snapshots(
            store, settings, run_id=run_id, on_event=machinery.on_event
        )
    summary = store.run_summary(run_id)
    assert summary is not None  # the run row was written above
    return CheckOutcome(run_id=run_id, summary=summary, scan=scanned, snapshots=snapshots)


def _failure_reason(error: Exception) -> str:
    """What the run row keeps of the error that stopped it: our own errors are written
    for people; anything else is named with its type, since it is a bug to report."""
    if isinstance(error, LinkcheckError):
        return str(error)
    return f"{type(error).__name__}: {error}"


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
) -> tuple[ScanOutcome, str | None]:
    """The whole scan first, then the due links of all documents in priority order.

    Returns the scan and why checking stopped early (the time budget), if it did.
    """
    scanned = scan(store, inputs, settings, on_event=machinery.on_event)
    require_documents(scanned)
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
    stopped_by = await _check_urls(
        store, run_id, urls, Tally(planned=len(urls)), settings, machinery
    )
    return scanned, stopped_by


async def _scan_while_checking(
    store: Store,
    run_id: int,
    inputs: Sequence[str],
    settings: Settings,
    machinery: _Machinery,
    resumed: bool,
) -> tuple[ScanOutcome, str | None]:
    """Check each batch of documents' due links as soon as the batch is stored.

    The first request goes out while most documents are still being read, so a
    large collection is not scanned in full before anything is checked.
    """
    tally = Tally()
    feed = DueWhileScanning(
        store,
        inputs,
        settings,
        tally,
        on_event=machinery.on_event,
        now=machinery.now,
        not_checked_in_run=run_id if resumed else None,
    )
    # Closed here whatever happens: the scanning thread has ended before its outcome is read.
    async with contextlib.aclosing(feed.urls()) as urls:
        stopped_by = await _check_urls(store, run_id, urls, tally, settings, machinery)
    return feed.outcome(), stopped_by


async def _check_urls(
    store: Store,
    run_id: int,
    urls: Iterable[str] | AsyncIterable[str],
    tally: Tally,
    settings: Settings,
    machinery: _Machinery,
) -> str | None:
    """Check ``urls`` and hand every result to the store's writer.

    Returns why checking stopped before the last link (the time budget), else None:
    the run row keeps it, so a report does not pass a budget-bound night off as
    a whole one.
    """
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
            stopped_by = f"time budget used up: {plural(left, 'link')} left for the next run"
            machinery.on_event(Notice(stopped_by))
            return stopped_by
    return None


def report_rows(store: Store, outcome: CheckOutcome, settings: Settings) -> Iterator[LinkRow]:
    """What a check run reports and is judged by: the links it checked, then every link
    its documents still cite that was not checked this time and is known to fail.

    With ``--max-age`` a confirmed-dead link waits days for its next check, and
    ``--limit``/``--budget`` leave links for later nights: a citation known to be
    broken must still fail the run (a CI job adding one must not pass) and show
    in its report, with the check that found it.  Without them every cited link
    is checked by the run, so nothing is added.
    """
    yield from store.link_rows(run_id=outcome.run_id)
    if settings.max_age is None and settings.limit is None and settings.budget is None:
        return
    yield from known_failures(
        store, outcome.run_id, settings, verdicts=settings.fail_on, documents=outcome.scan.documents
    )


def known_failures(
    store: Store,
    run_id: int,
    settings: Settings,
    *,
    verdicts: Collection[Verdict],
    documents: Sequence[str] | None = None,
) -> Iterator[LinkRow]:
    """Links the documents cite (only ``documents``, if given) that run ``run_id`` did
    not check and whose latest check, from an earlier run, found one of ``verdicts``."""
    excluded = exclusion_pattern(settings.check.exclude)
    known = store.link_rows(
        since=ANY_TIME,
        documents=documents,
        verdicts=verdicts,
        not_checked_in_run=run_id,
        cited_only=documents is None,
    )
    for row in known:  # each one with its latest check, from an earlier run
        # Excluded since that check: the run would have skipped it, not failed on it.
        if excluded is None or not excluded.search(row.url):
            yield row


#: ``since`` for :meth:`Store.link_rows` that takes each link's latest check, however old.
ANY_TIME = datetime(1970, 1, 1, tzinfo=UTC)


async def lookup_snapshots(
    store: Store,
    settings: Settings,
    *,
    run_id: int | None = None,
    limit: int | None = None,
    on_event: EventSink = ignore_event,
) -> tuple[Snapshot, ...]:
    """Find the archived copy of every failing link of a run (default: the latest run).

    A link whose archive answer is already stored is not asked about again unless
    ``settings.refresh_snapshots``; a look-up that failed on archive trouble is.
    """
    latest = store.run_summary()
    run = latest if run_id is None else store.run_summary(run_id)
    if run is None or latest is None:
        return ()
    failing: Iterable[LinkRow] = store.link_rows(run_id=run.id, verdicts=settings.archive_verdicts)
    if run.id == latest.id:
        # With --max-age a dead link waits days for its next check: the latest run
        # did not check it, and its copy is looked up (or asked again) all the same.
        known = known_failures(store, run.id, settings, verdicts=settings.archive_verdicts)
        failing = itertools.chain(failing, known)
    rows = [
        row
        for row in failing
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
    on_event: EventSink = ignore_event,
) -> tuple[SaveOutcome, ...]:
    """Ask the archive to capture live cited links it holds no recent capture of.

    Raises :class:`linkcheck.errors.ConfigError` when no credentials are set.
    """
    if not settings.archive.has_credentials:
        from linkcheck.archive.wayback import MISSING_CREDENTIALS

        raise ConfigError(MISSING_CREDENTIALS)
    live = (row.url for row in store.link_rows(run_id=run_id, verdicts=_LIVE_VERDICTS))
    outcomes: list[SaveOutcome] = []
    # The cap is per 24 hours, not per run: a second run the same night shares it.
    taken_up = store.saves_taken_up_since(datetime.now(UTC) - _SAVE_CAP_WINDOW)
    async with _wayback(settings, on_event, saves_already_taken_up=taken_up) as wb:
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
#: The span ``save-daily-cap`` counts Save Page Now jobs over.
_SAVE_CAP_WINDOW = timedelta(hours=24)


def _wayback(
    settings: Settings, on_event: EventSink, *, saves_already_taken_up: int = 0
) -> Wayback:
    # Imported here: waybackpy and requests cost start-up time most runs never use.
    from linkcheck.archive.wayback import Wayback

    return Wayback(
        settings.archive,
        is_not_found=looks_not_found,
        on_event=on_event,
        saves_already_taken_up=saves_already_taken_up,
    )


def _citation_date(dates: Iterable[date | None]) -> date | None:
    """The earliest known citation date: when the source was first relied on."""
    known = [d for d in dates if d is not None]
    return min(known) if known else None


__all__ = [
    "ANY_TIME",
    "CheckOutcome",
    "EventSink",
    "ScanOutcome",
    "check",
    "lookup_snapshots",
    "report_rows",
    "resume",
    "save_live_links",
    "scan",
]
