"""The :class:`Store`: everything the rest of linkcheck asks of the database.

It takes and returns the values of :mod:`linkcheck.types` only; rows stay
inside this package.  Every database failure comes out as a
:class:`linkcheck.errors.DatabaseError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine, func, insert, null, select, update
from sqlalchemy.engine import URL

from linkcheck.errors import DatabaseError, UsageError
from linkcheck.states import DeathPolicy
from linkcheck.store import changes, due, maintenance, migrate, queries, runcounts, runlock
from linkcheck.store.batching import chunked
from linkcheck.store.convert import now_utc, snapshot_row_values, utc
from linkcheck.store.db import (
    DEFAULT_URL,
    describe,
    is_immutable,
    is_memory_sqlite,
    open_engine,
    read_connection,
    read_only_message,
    sqlite_on_read_only_file_system,
    sqlite_path,
    translated_errors,
    write_connection,
)
from linkcheck.store.links import link_ids
from linkcheck.store.maintenance import DbStats, PruneStats
from linkcheck.store.runlock import Waiting
from linkcheck.store.schema import documents, runs, saves, snapshots
from linkcheck.store.sync import ScanStats, forget_documents, locate_documents, sync_documents
from linkcheck.store.writer import DEFAULT_POLICY, HEARTBEAT_INTERVAL, ResultWriter, beat
from linkcheck.types import (
    CheckResult,
    CitationRef,
    Document,
    LinkChange,
    LinkRow,
    LinkState,
    RunStatus,
    RunSummary,
    SaveOutcome,
    SaveStatus,
    Snapshot,
    Verdict,
)

T = TypeVar("T")


class Store:
    """A linkcheck database.  Open with :meth:`open`; close (or use ``with``) when done."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, url: str = DEFAULT_URL, *, upgrade: bool = True) -> Store:
        """Open the database at ``url``, bringing its schema up to date unless told not to.

        Raises :class:`SchemaTooNew` for a database written by a newer linkcheck
        and :class:`DatabaseError` for anything that is not a usable database.
        An in-memory SQLite URL (``sqlite://``) shares one connection between
        threads: fine for scripts and tests, but do not read while a writer writes.
        """
        engine = open_engine(url)
        store = cls(engine)
        try:
            store._check_schema(upgrade=upgrade)
        except DatabaseError:
            engine.dispose()
            if not sqlite_on_read_only_file_system(url):
                raise
            return cls._open_immutable(url)
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def _open_immutable(cls, url: str) -> Store:
        """A database on a read-only file system, for reading: it cannot be upgraded.

        Read as immutable, SQLite ignores a write-ahead log beside the file: a copy
        taken while a run was writing would be reported from without its latest
        results, so it is refused instead.
        """
        store = cls(open_engine(url, immutable=True))
        try:
            _refuse_unmerged_log(store._engine.url, describe(url))
            with translated_errors(store._engine.url), read_connection(store._engine) as connection:
                if not migrate.at_head(connection):
                    migrate.ensure_known(connection, describe(url))  # not a newer one
                    raise DatabaseError(
                        f"database {describe(url)} is on a read-only file system and was "
                        "written by an older linkcheck: run `linkcheck db upgrade` on a "
                        "writable copy first"
                    )
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return describe(self._engine.url)

    def require_writable(self) -> None:
        """Raise :class:`DatabaseError` at once if nothing can be recorded here (a
        database on a read-only file system), before work whose results would be lost."""
        if is_immutable(self._engine.url):
            raise DatabaseError(read_only_message(self._engine.url))

    @property
    def takes_concurrent_writers(self) -> bool:
        """Whether two threads may write at once (each on its own connection).

        Not for an in-memory SQLite database: every thread shares its one connection.
        """
        return not is_memory_sqlite(self._engine.url)

    # ------------------------------------------------------------------ schema

    def _check_schema(self, *, upgrade: bool) -> None:
        with translated_errors(self._engine.url):
            with read_connection(self._engine) as connection:
                if migrate.at_head(connection):
                    return
                # A new database needs no Alembic (see :meth:`upgrade`): skip importing it.
                current = None
                if not migrate.is_empty(connection):
                    migrate.ensure_known(connection, self.url)
                    current = migrate.current_revision(connection)
            if upgrade and current != migrate.HEAD:
                self.upgrade()

    def upgrade(self) -> None:
        """Apply every migration this linkcheck knows that the database lacks.

        An empty database gets the newest schema built directly, which is
        what running every revision would build, only faster.
        """
        with translated_errors(self._engine.url), write_connection(self._engine) as connection:
            if migrate.is_empty(connection):
                migrate.create_at_head(connection)
                return
            migrate.ensure_known(connection, self.url)
            migrate.upgrade_to_head(connection)

    def current_revision(self) -> str | None:
        with translated_errors(self._engine.url), read_connection(self._engine) as connection:
            return migrate.current_revision(connection)

    # ------------------------------------------------------------------ documents

    def sync_documents(self, docs: Iterable[Document], *, reparse: bool = False) -> ScanStats:
        """Store documents with their links and citations; documents whose content hash is
        unchanged are untouched unless ``reparse`` (their citations are then replaced)."""
        with translated_errors(self._engine.url):
            return sync_documents(self._engine, docs, now=now_utc(), reparse=reparse)

    def forget_documents(self, document_ids: Sequence[int]) -> int:
        """Delete these documents and their citations (their files are gone); the links
        they cited keep their history.  Returns how many were stored."""
        with translated_errors(self._engine.url):
            return forget_documents(self._engine, document_ids)

    def unlocated_paths(self) -> set[str]:
        """The paths of stored documents without a location (stored before revision 0005)."""
        with translated_errors(self._engine.url):
            return queries.unlocated_paths(self._engine)

    def locate_documents(self, located: Sequence[tuple[str, str]]) -> None:
        """Record (path, location) for documents that have none yet, unless another
        document already has that location."""
        if located:
            with translated_errors(self._engine.url):
                locate_documents(self._engine, located)

    def located_documents(self) -> list[tuple[int, str, str]]:
        """Every stored document that has a location: its id, path and location."""
        with translated_errors(self._engine.url):
            return queries.located_documents(self._engine)

    def document_hashes(self) -> dict[str, str]:
        """The content hash of every stored document, by path (one query for a whole scan)."""
        with translated_errors(self._engine.url):
            return queries.document_hashes(self._engine)

    def document_locations(self) -> dict[str, str]:
        """Where each stored document's file is, by the name reports give it."""
        return {path: location for _, path, location in self.located_documents()}

    def documents_changed_since(self, moment: datetime) -> frozenset[str]:
        """The paths and locations of documents stored, or whose content changed, after
        ``moment``."""
        with translated_errors(self._engine.url):
            return queries.documents_changed_since(self._engine, utc(moment))

    def known_hash(self, path: str) -> str | None:
        """The content hash stored for the document at ``path``, if any."""
        with translated_errors(self._engine.url):
            return queries.known_hash(self._engine, path)

    def touch_documents(self, paths: Iterable[str]) -> None:
        """Record that a scan found these (unchanged) documents now."""
        now = now_utc()
        with translated_errors(self._engine.url), write_connection(self._engine) as connection:
            for chunk in chunked(paths):
                connection.execute(
                    update(documents).where(documents.c.path.in_(chunk)).values(last_seen_at=now)
                )

    # ------------------------------------------------------------------ runs

    def start_run(
        self,
        *,
        inputs: Sequence[str],
        options: Mapping[str, object],
        wait: float = 0.0,
        waiting: Waiting | None = None,
        started_at: datetime | None = None,
    ) -> int:
        """Record a new run (status ``running``) and return its id.

        ``started_at`` defaults to now; a caller that runs on its own clock (the
        pipeline's ``now``) passes that clock's time, so the run and its checks agree.

        Refuses with :class:`DatabaseBusy` while another live run holds the
        database, after waiting up to ``wait`` seconds for it to end (``waiting``
        instead gives the poll interval, clock and sleep too).  A ``running`` run
        whose process is gone is marked ``interrupted`` on the way.
        """
        values = {
            "started_at": utc(started_at) if started_at is not None else now_utc(),
            "inputs": list(inputs),
            "options": _json_safe(options),
        }

        def insert_run(connection: Connection) -> int:
            statement = insert(runs).values({**values, **runlock.claim_values()})
            key = connection.execute(statement).inserted_primary_key
            if key is None:  # pragma: no cover - every dialect we support reports it
                raise RuntimeError("no id for the inserted run")
            return int(key[0])

        return self._locked(insert_run, waiting or Waiting(seconds=wait))

    def finish_run(self, run_id: int, status: RunStatus, *, error: str | None = None) -> None:
        """Close run ``run_id`` with ``status``; ``error`` says why it stopped short (what
        failed it, or the time budget running out), if it did.

        The run's counts per verdict are written on its row, whatever the status:
        what it found stays as found when ``db prune`` thins its checks later.
        Close the run's writer first, so that they include its last batch.
        """
        now = now_utc()
        with translated_errors(self._engine.url), write_connection(self._engine) as connection:
            connection.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(status=status.value, finished_at=now, heartbeat_at=now, error=error)
            )
            runcounts.store_counts(connection, run_id)

    def heartbeat(self, run_id: int) -> None:
        """Record that run ``run_id`` is alive (the writer does this by itself while open)."""
        with translated_errors(self._engine.url), write_connection(self._engine) as connection:
            beat(connection, run_id)

    def resumable_run(self, run_id: int | None = None) -> RunSummary | None:
        """The interrupted run to resume: ``run_id`` if it is interrupted, else the latest one.

        Without ``run_id``, only an interrupted run that no completed run came
        after counts (a later completed run has done its work since).  A
        ``running`` run whose process is gone is marked interrupted first.
        """
        with translated_errors(self._engine.url):
            with write_connection(self._engine) as connection:
                runlock.live_holder(connection)  # marks dead running runs interrupted
                found = queries.resumable_run_id(connection, run_id)
            return queries.run_summary(self._engine, found) if found is not None else None

    def resume_run(
        self, run_id: int, *, wait: float = 0.0, waiting: Waiting | None = None
    ) -> tuple[list[str], dict[str, Any]]:
        """Take the lock for interrupted run ``run_id`` again; returns its inputs and options.

        The run is ``running`` again under this process, with the same id: check
        what ``links_to_check(not_checked_in_run=run_id, ...)`` yields and finish
        it as usual.  Raises :class:`DatabaseBusy` like :meth:`start_run`, and
        :class:`UsageError` for a run that does not exist or is not interrupted.
        """

        def reclaim(connection: Connection) -> tuple[list[str], dict[str, Any]]:
            row = connection.execute(select(runs).where(runs.c.id == run_id)).first()
            if row is None:
                raise UsageError(f"there is no run {run_id} in {self.url}")
            if row.status != RunStatus.INTERRUPTED.value:
                raise UsageError(
                    f"run {run_id} is {row.status}: only an interrupted run can be resumed"
                )
            # Running again: its counts are its checks' until it ends again.
            connection.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(finished_at=None, counts=null(), **runlock.claim_values())
            )
            return list(row.inputs), dict(row.options)

        return self._locked(reclaim, waiting or Waiting(seconds=wait))

    def _locked(self, action: Callable[[Connection], T], waiting: Waiting) -> T:
        with translated_errors(self._engine.url):
            return runlock.locked(self._engine, action, waiting=waiting, database=self.url)

    def writer(
        self,
        run_id: int,
        *,
        policy: DeathPolicy = DEFAULT_POLICY,
        recheck_good: timedelta | None = None,
        batch_size: int = 500,
        flush_interval: float = 1.0,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
    ) -> ResultWriter:
        """A batch writer for the results of run ``run_id`` (a context manager).

        It advances each link's state under ``policy``; a good link is due
        again after ``recheck_good`` (default ``policy.recheck_alive``),
        stretched by up to a quarter per link so re-checks spread over nights.
        """
        return ResultWriter(
            self._engine,
            run_id,
            policy=policy,
            recheck_good=recheck_good,
            batch_size=batch_size,
            flush_interval=flush_interval,
            heartbeat_interval=heartbeat_interval,
        )

    def run_summary(self, run_id: int | None = None) -> RunSummary | None:
        """Counts per verdict of a run's checks (``None``: the latest run).

        An ended run's counts are those written when it ended: pruning its
        checks afterwards does not change them.
        """
        with translated_errors(self._engine.url):
            return queries.run_summary(self._engine, run_id)

    def runs(self, limit: int | None = None) -> list[RunSummary]:
        """Run summaries, newest first."""
        with translated_errors(self._engine.url):
            return queries.recent_runs(self._engine, limit)

    # ------------------------------------------------------------------ links

    def links_to_check(
        self,
        *,
        documents: Sequence[str] | None = None,
        max_age: timedelta | None = None,
        limit: int | None = None,
        now: datetime | None = None,
        not_checked_in_run: int | None = None,
    ) -> Iterator[str]:
        """Normalized URLs to check; streams, each URL at most once, at most ``limit``.

        ``max_age=None`` makes every link due, in link-id order.  With
        ``max_age``, due links are those never checked, those whose last
        verdict was not ``alive``/``moved``, and good ones whose
        ``next_check_at`` has come (or that were checked over ``max_age`` × 1.25
        ago): never-checked first, then failing and undecided, then the longest
        overdue.  ``documents`` keeps only links those documents cite;
        ``not_checked_in_run`` leaves out links that run has checked (resume).
        """
        moment = utc(now) if now is not None else now_utc()
        with translated_errors(self._engine.url):
            yield from due.links_to_check(
                self._engine,
                documents_=documents,
                max_age=max_age,
                limit=limit,
                now=moment,
                not_checked_in_run=not_checked_in_run,
            )

    def link_rows(
        self,
        *,
        run_id: int | None = None,
        verdicts: Collection[Verdict] | None = None,
        documents: Sequence[str] | None = None,
        since: datetime | None = None,
        states: Collection[LinkState] | None = None,
        not_checked_in_run: int | None = None,
        cited_only: bool = False,
        unchecked: bool = False,
    ) -> Iterator[LinkRow]:
        """Each link checked in a run (default: the latest), in link order; streams.

        Link order is the order links were first stored (cheap to stream from
        the index); renderers that show links to people sort them themselves.

        ``since`` reports each link whose latest check, in any run, is that
        recent instead; ``states`` keeps links in those states;
        ``not_checked_in_run`` leaves out every link that run checked;
        ``cited_only`` leaves out links no stored document cites any more;
        ``unchecked`` (with ``since``) adds the links no run has checked yet, without
        a result.
        """
        with translated_errors(self._engine.url):
            yield from queries.link_rows(
                self._engine,
                run_id=run_id,
                verdicts=verdicts,
                documents_=documents,
                since=utc(since) if since is not None else None,
                states=states,
                not_checked_in_run=not_checked_in_run,
                cited_only=cited_only,
                unchecked=unchecked,
            )

    def history(self, url: str) -> list[CheckResult]:
        """Every check of the link, oldest first, with its hops."""
        return [row.result for row in self.link_history(url) if row.result is not None]

    def link_history(self, url: str) -> list[LinkRow]:
        """Every check of the link, oldest first, with its hops and the link's state after it.

        Each row's ``first_failed_at``/``confirmed_dead_at`` are as of its check:
        the last row's are the link's current ones.  Rows carry no citations
        (see :meth:`citations_of`) and no snapshot (:meth:`latest_snapshot`).
        """
        with translated_errors(self._engine.url):
            return queries.link_history(self._engine, url)

    def citations_of(self, url: str) -> list[CitationRef]:
        with translated_errors(self._engine.url):
            return queries.citations_of(self._engine, url)

    def last_alive_at(self, url: str) -> datetime | None:
        """When a check last found the link readable (``alive`` or ``moved``)."""
        with translated_errors(self._engine.url):
            return queries.last_alive_at(self._engine, url)

    def changes(
        self, *, run_id: int | None = None, since_previous_completed: bool = True
    ) -> list[LinkChange]:
        """Links that became failing, dead or recovered, each transition once, by URL.

        Covers the runs after the previous completed run up to and including
        ``run_id`` (default: the latest run); ``since_previous_completed=False``
        covers that one run only.
        """
        with translated_errors(self._engine.url):
            return changes.changes(
                self._engine, run_id=run_id, since_previous_completed=since_previous_completed
            )

    # ------------------------------------------------------------------ maintenance

    def prune(self, *, keep_latest: int = 10, dry_run: bool = False) -> PruneStats:
        """Delete each link's checks beyond its newest ``keep_latest`` (and their hops).

        State transitions and each link's latest check are always kept.
        ``dry_run`` counts what would go without deleting anything.
        """
        with translated_errors(self._engine.url):
            return maintenance.prune(self._engine, keep_latest=keep_latest, dry_run=dry_run)

    def stats(self) -> DbStats:
        """Row counts, links per state and per last verdict, the latest run, file size."""
        with translated_errors(self._engine.url):
            return maintenance.stats(self._engine)

    # ------------------------------------------------------------------ archive

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Record one archive look-up (found or not) for a link."""
        with translated_errors(self._engine.url), write_connection(self._engine) as connection:
            ids = link_ids(connection, [snapshot.url], now=now_utc())
            values = snapshot_row_values(snapshot, link_id=ids[snapshot.url])
            connection.execute(insert(snapshots).values(values))

    def latest_snapshot(self, url: str) -> Snapshot | None:
        with translated_errors(self._engine.url):
            return queries.latest_snapshot(self._engine, url)

    def saves_taken_up_since(self, moment: datetime) -> int:
        """Save Page Now jobs requested since ``moment`` that the archive took up.

        Every recorded outcome counts except ``retry_later`` (a rate limit, or a cap
        that was already reached): those jobs never ran.
        """
        query = (
            select(func.count())
            .select_from(saves)
            .where(
                saves.c.requested_at >= moment,
                saves.c.status != SaveStatus.RETRY_LATER.value,
            )
        )
        with translated_errors(self._engine.url), read_connection(self._engine) as connection:
            return int(connection.execute(query).scalar_one())

    def save_outcome(self, outcome: SaveOutcome) -> None:
        """Record what one Save Page Now job did."""
        with translated_errors(self._engine.url), write_connection(self._engine) as connection:
            ids = link_ids(connection, [outcome.url], now=now_utc())
            connection.execute(
                insert(saves).values(
                    link_id=ids[outcome.url],
                    requested_at=outcome.requested_at,
                    status=outcome.status.value,
                    job_id=outcome.job_id,
                    archive_url=outcome.archive_url,
                    captured_at=outcome.captured_at,
                    status_ext=outcome.status_ext,
                    error=outcome.error,
                )
            )


def _refuse_unmerged_log(url: URL, shown: str) -> None:
    path = sqlite_path(url)
    log = Path(f"{path}-wal") if path else None
    if log is not None and log.is_file() and log.stat().st_size > 0:
        raise DatabaseError(
            f"database {shown} is on a read-only file system beside a write-ahead log "
            f"({log.name}) that cannot be merged into it there: reports would miss what the "
            "log holds. Copy the database with its -wal file to a writable folder and "
            "report from the copy"
        )


def _json_safe(options: Mapping[str, object]) -> Any:
    """``options`` as plain JSON values (anything else, e.g. a timedelta, as its string)."""
    return json.loads(json.dumps(dict(options), default=str))
