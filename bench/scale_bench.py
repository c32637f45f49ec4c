"""Scale benchmark: a synthetic collection of a million links, and a night's work timed on it.

    python bench/scale_bench.py --links 1000000 --checks-per-link 5 --db /tmp/scale.db

builds (or with ``--reuse``, reuses) a database shaped like the one an
archivist's nightly cron job grows: documents, links over thousands of hosts,
citations, a first full run and the nightly runs after it, every check with its
hops, and each link's denormalised columns (latest check, state, next check)
exactly as :mod:`linkcheck.states` leaves them.  Then it times the steps of a
night, each in a fresh child process so that each step's peak RSS is its own:
choosing the due links, writing a night's results through the real writer, and
producing the report.  See ``bench/SCALE.md`` for the figures and what they mean.

The schema comes from the real migrations (``Store.open``); the rows are
bulk-inserted with ``sqlite3`` directly, because generating is not what we
measure.  Every measured step goes through the public ``linkcheck.store.Store``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import heapq
import inspect
import io
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from measure import CommandTimedOut, run_measured

if TYPE_CHECKING:
    from linkcheck.states import DeathPolicy, LinkHistory
    from linkcheck.store import Store
    from linkcheck.types import CheckResult

#: Issue 6: due-link selection and report generation each under 10 s, peak RSS under 500 MB.
TARGET_SECONDS = 10.0
TARGET_PEAK_RSS_MB = 500.0
#: Bump when the synthetic data changes shape, so that ``--reuse`` rebuilds.
GENERATOR_VERSION = 1
DAY = 86400.0
#: Each simulated run starts at 01:00 UTC and lasts three hours.
RUN_STARTS = timedelta(hours=1)

# =========================================================================== the collection


@dataclass(frozen=True, slots=True)
class Params:
    """The size and shape of the synthetic collection."""

    links: int
    checks_per_link: int
    hosts: int = 5000
    links_per_document: int = 20
    #: links added after the last run: never checked, so due tonight
    new_share: float = 0.01
    #: share of hosts that answer every request with 403 (bot walls)
    blocked_host_share: float = 0.03
    seed: int = 6


class Fate(IntEnum):
    """What happens to a link over the simulated nights."""

    HEALTHY = 0  # alive, with the odd timeout or 503 (3 % of checks)
    MOVED = 1  # alive behind a permanent redirect
    DIES = 2  # alive until some night, then 404 (or a soft 404: redirected home)
    DEAD = 3  # gone from the start: 404, or a host that no longer resolves
    FLAKY = 4  # times out or answers 503 on every check
    BLIP = 5  # one bad night (its second check), alive otherwise: must never become dead
    INVALID = 6  # a malformed URL
    BLOCKED = 7  # on a host that blocks bots (403)


FATE_WEIGHTS: dict[Fate, float] = {
    Fate.HEALTHY: 0.868,
    Fate.MOVED: 0.03,
    Fate.DIES: 0.05,
    Fate.DEAD: 0.02,
    Fate.FLAKY: 0.02,
    Fate.BLIP: 0.01,
    Fate.INVALID: 0.002,
}
SECTIONS = ("news", "world", "science", "culture", "tech", "blog", "opinion", "sport")
WORDS = (
    "river",
    "city",
    "council",
    "report",
    "climate",
    "vote",
    "museum",
    "archive",
    "election",
    "market",
    "energy",
    "school",
    "health",
    "water",
    "budget",
    "court",
    "music",
    "storm",
    "bridge",
    "harbour",
    "library",
    "festival",
)
TLDS = ("com", "org", "net", "co.uk", "de", "fr", "info", "io")

Hops = tuple[tuple[str, int, str | None], ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one simulated check found (the columns of a ``checks`` row, and its hops)."""

    verdict: str
    status_code: int | None = None
    final_url: str | None = None
    error_kind: str | None = None
    error: str | None = None
    title: str | None = None
    fingerprint: str | None = None
    hops: Hops = ()


@dataclass(slots=True)
class Collection:
    """The links and their fates, decided before any check is simulated."""

    urls: list[str]  # by link id; index 0 unused
    fates: bytearray
    #: epoch seconds from which a ``DIES`` link is gone
    deaths: dict[int, float]
    #: ``DIES`` links that die as soft 404s
    soft: set[int]


def host_name(index: int) -> str:
    return f"www.{WORDS[index % len(WORDS)]}{index}.{TLDS[index % len(TLDS)]}"


def make_collection(params: Params, rng: random.Random, start: float, span: float) -> Collection:
    """URLs over ``params.hosts`` hosts (a few big sites, a long tail) and each link's fate."""
    hosts = [host_name(index) for index in range(params.hosts)]
    blocked = set(rng.sample(range(params.hosts), int(params.hosts * params.blocked_host_share)))
    choices, weights = list(FATE_WEIGHTS), list(FATE_WEIGHTS.values())
    collection = Collection(urls=[""], fates=bytearray(1), deaths={}, soft=set())
    for link in range(1, params.links + 1):
        host = int(params.hosts * rng.random() ** 2)  # skewed toward the low numbers
        slug = "-".join(rng.choices(WORDS, k=3))
        collection.urls.append(
            f"https://{hosts[host]}/{SECTIONS[link % len(SECTIONS)]}/{2015 + link % 10}/"
            f"{1 + link % 12:02d}/{rng.randrange(1, 29):02d}/{slug}-{link}"
        )
        fate = Fate.BLOCKED if host in blocked else rng.choices(choices, weights)[0]
        collection.fates.append(fate)
        if fate is Fate.DIES:
            collection.deaths[link] = start + rng.random() * span
            if rng.random() < 0.3:
                collection.soft.add(link)
    return collection


def home_of(url: str) -> str:
    return url[: url.index("/", len("https://")) + 1]


def outcome_of(
    collection: Collection, link: int, check_number: int, at: float, rng: random.Random
) -> Outcome:
    """What the ``check_number``-th check (from 0) of ``link``, at epoch ``at``, finds."""
    url = collection.urls[link]
    fate = Fate(collection.fates[link])
    if fate is Fate.DIES and at >= collection.deaths[link]:
        if link in collection.soft:
            home = home_of(url)
            return Outcome(
                "soft_404", 200, home, title="Home", hops=((url, 302, home), (home, 200, None))
            )
        fate = Fate.DEAD
    if (fate is Fate.BLIP and check_number == 1) or fate is Fate.DEAD:
        if link % 4 == 0:
            return Outcome("dead", error_kind="dns", error="Name or service not known")
        return Outcome("dead", 404, url, "http_status", "HTTP 404", hops=((url, 404, None),))
    if fate is Fate.FLAKY or (fate is Fate.HEALTHY and rng.random() < 0.03):
        if rng.random() < 0.5:
            return Outcome("error", error_kind="timeout", error="no answer within 20 s")
        return Outcome("error", 503, url, "http_status", "HTTP 503", hops=((url, 503, None),))
    if fate is Fate.BLOCKED:
        return Outcome("blocked", 403, url, "http_status", "HTTP 403", hops=((url, 403, None),))
    if fate is Fate.INVALID:
        return Outcome("invalid", error_kind="invalid_url", error="no host in URL")
    fingerprint = f"{(link * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF:016x}"
    if fate is Fate.MOVED:
        target = f"{home_of(url)}articles/{link}"
        hops: Hops = ((url, 301, target), (target, 200, None))
        return Outcome(
            "moved", 200, target, title=f"Article {link}", fingerprint=fingerprint, hops=hops
        )
    return Outcome(
        "alive",
        200,
        url,
        title=f"Article {link}",
        fingerprint=fingerprint,
        hops=((url, 200, None),),
    )


def _state(history: LinkHistory) -> str | None:
    return history.state.value if history.state is not None else None


def spread_of(url: str) -> float:
    """A stable number in [0, 1) per URL, as the store uses to spread re-checks."""
    return zlib.crc32(url.encode()) / 2.0**32


# =========================================================================== building


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """What the measured steps need to know about a built database (kept in a sidecar file)."""

    params: dict[str, Any]
    generator_version: int
    schema_revision: str | None
    now: str  # when tonight's run starts (a day after the last one), ISO 8601 UTC
    big_run_id: int
    last_run_id: int
    runs: int
    links: int
    checks: int
    hops: int
    documents: int
    citations: int
    last_run_checks: int
    build_seconds: float = 0.0
    db_megabytes: float = 0.0

    @property
    def tonight(self) -> datetime:
        return datetime.fromisoformat(self.now)


def sql_time(moment: datetime) -> str:
    """A naive-UTC datetime written as SQLAlchemy writes it into SQLite."""
    return moment.isoformat(" ", "microseconds")


def epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


class TableWriter:
    """Buffered executemany into one table, over those of ``columns`` the table really has.

    A column a newer migration dropped is left out; one it added is left to its default.
    """

    CHUNK = 50_000

    def __init__(self, db: sqlite3.Connection, table: str, columns: Sequence[str]) -> None:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        self._keep = [index for index, name in enumerate(columns) if name in present]
        self._project = len(self._keep) != len(columns)
        names = ", ".join(columns[index] for index in self._keep)
        marks = ", ".join("?" * len(self._keep))
        self._sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        self._db = db
        self._rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self._rows.append(tuple(row[index] for index in self._keep) if self._project else row)
        self.count += 1
        if len(self._rows) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            self._db.executemany(self._sql, self._rows)
            self._rows = []


CHECK_COLUMNS = (
    "id",
    "run_id",
    "link_id",
    "checked_at",
    "verdict",
    "status_code",
    "final_url",
    "error_kind",
    "error",
    "title",
    "fingerprint",
    "elapsed_ms",
    "attempts",
    "method",
    "state_before",
    "state_after",
)
HOP_COLUMNS = ("check_id", "position", "url", "status_code", "location")
LINK_COLUMNS = (
    "id",
    "url",
    "first_seen_at",
    "last_checked_at",
    "last_verdict",
    "last_check_id",
    "state",
    "fail_count",
    "first_failed_at",
    "confirmed_dead_at",
    "next_check_at",
)
RUN_COLUMNS = (
    "id",
    "started_at",
    "finished_at",
    "status",
    "inputs",
    "options",
    "heartbeat_at",
    "pid",
    "host",
    "planned",
)
DOCUMENT_COLUMNS = (
    "id",
    "path",
    "format",
    "content_hash",
    "own_url",
    "cited_at",
    "first_seen_at",
    "updated_at",
    "last_seen_at",
)
CITATION_COLUMNS = (
    "id",
    "document_id",
    "link_id",
    "url_as_written",
    "lines",
    "role",
    "title",
    "cited_at",
)


@dataclass(slots=True)
class Simulation:
    """The nights simulated so far: the writers, and per link what the next night needs."""

    collection: Collection
    policy: DeathPolicy
    rng: random.Random
    checks: TableWriter
    hops: TableWriter
    runs: TableWriter
    histories: list[LinkHistory]
    check_counts: list[int]
    last_at: list[str | None]
    last_verdict: list[str | None]
    last_check: list[int | None]
    next_at: list[str | None]
    #: (due epoch, link id): the links waiting for their next check
    due: list[tuple[float, int]]
    next_check_id: int = 1
    last_run_checks: int = 0


def build_database(path: Path, params: Params) -> BuildInfo:
    """Create the schema through the migrations, then bulk-insert the synthetic collection."""
    from linkcheck.store import Store

    started = time.monotonic()
    for leftover in database_files(path):
        leftover.unlink(missing_ok=True)
    with Store.open(f"sqlite:///{path}") as store:
        revision = store.current_revision()
    db = sqlite3.connect(path, isolation_level=None)
    try:
        # Unsafe settings, fine here: a crash in the middle just means building again.
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000"):
            db.execute(f"PRAGMA {pragma}")
        indexes = drop_secondary_indexes(db)
        db.execute("BEGIN")
        info = insert_collection(db, params, revision)
        db.execute("COMMIT")
        for sql in indexes:  # one sort per index beats maintaining it row by row
            db.execute(sql)
        db.execute("PRAGMA journal_mode=WAL")
    finally:
        db.close()
    size = sum(file.stat().st_size for file in database_files(path) if file.exists())
    return BuildInfo(
        **{
            **{f.name: getattr(info, f.name) for f in fields(info)},
            "build_seconds": round(time.monotonic() - started, 1),
            "db_megabytes": round(size / 2**20, 1),
        }
    )


def drop_secondary_indexes(db: sqlite3.Connection) -> list[str]:
    """Drop the migrations' explicit indexes, returning their own SQL to re-create them."""
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in rows:
        db.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def insert_collection(db: sqlite3.Connection, params: Params, revision: str | None) -> BuildInfo:
    """Simulate the first full run and the nights after it, then write links and documents."""
    from linkcheck.states import DeathPolicy, LinkHistory

    # Alive links come back after 7 to 8.75 days, failing ones daily: a generous bound on
    # the nights needed; the loop stops once every checked link has its share of checks.
    max_nights = 1 + 9 * (params.checks_per_link - 1)
    today = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    night = today - timedelta(days=max_nights)
    rng = random.Random(params.seed)
    size = params.links + 1
    sim = Simulation(
        collection=make_collection(params, rng, epoch(night), max_nights * DAY),
        policy=DeathPolicy(),
        rng=rng,
        checks=TableWriter(db, "checks", CHECK_COLUMNS),
        hops=TableWriter(db, "hops", HOP_COLUMNS),
        runs=TableWriter(db, "runs", RUN_COLUMNS),
        histories=[LinkHistory()] * size,
        check_counts=[0] * size,
        last_at=[None] * size,
        last_verdict=[None] * size,
        last_check=[None] * size,
        next_at=[None] * size,
        due=[],
    )
    checked = int(params.links * (1 - params.new_share))
    simulate_run(sim, 1, range(1, checked + 1), night)
    spread_first_rechecks(sim, night)
    run_id = 1
    for _ in range(max_nights):
        if sim.checks.count >= checked * params.checks_per_link:
            break
        night += timedelta(days=1)
        tonight = pop_due(sim.due, epoch(night) + RUN_STARTS.total_seconds())
        if tonight:
            run_id += 1
            simulate_run(sim, run_id, tonight, night)
    for writer in (sim.checks, sim.hops, sim.runs):
        writer.flush()
    tonight_starts = night + timedelta(days=1) + RUN_STARTS
    insert_links(db, sim, first_seen=night - timedelta(days=max_nights), added=tonight_starts)
    documents, citations = insert_documents(db, params, sim.collection, night)
    return BuildInfo(
        params=asdict(params),
        generator_version=GENERATOR_VERSION,
        schema_revision=revision,
        now=tonight_starts.replace(tzinfo=UTC).isoformat(),
        big_run_id=1,
        last_run_id=run_id,
        runs=run_id,
        links=params.links,
        checks=sim.checks.count,
        hops=sim.hops.count,
        documents=documents,
        citations=citations,
        last_run_checks=sim.last_run_checks,
    )


def pop_due(due: list[tuple[float, int]], until: float) -> list[int]:
    """Every link due before ``until``, earliest first."""
    links = []
    while due and due[0][0] < until:
        links.append(heapq.heappop(due)[1])
    return links


def spread_first_rechecks(sim: Simulation, night: datetime) -> None:
    """Spread the good links of the first full run over the next week (issue 6, point 2).

    Without this every link would come due on the same night a week later.
    """
    start = epoch(night)
    for index, (_when, link) in enumerate(sim.due):
        if sim.last_verdict[link] in ("alive", "moved"):
            offset = 1 + 6 * spread_of(sim.collection.urls[link])
            sim.due[index] = (start + offset * DAY, link)
    heapq.heapify(sim.due)


def simulate_run(sim: Simulation, run_id: int, links: Sequence[int], night: datetime) -> None:
    """One run: check ``links`` over three hours from 01:00, advancing each link's state."""
    from linkcheck.states import advance, next_check_due
    from linkcheck.types import Verdict

    started = night + RUN_STARTS
    step = timedelta(seconds=3 * 3600 / max(1, len(links)))
    at = started
    for link in links:
        at += step
        at_epoch = epoch(at)
        outcome = outcome_of(sim.collection, link, sim.check_counts[link], at_epoch, sim.rng)
        verdict = Verdict(outcome.verdict)
        before = sim.histories[link]
        after = advance(before, verdict, at, sim.policy)
        check_id = sim.next_check_id
        sim.next_check_id += 1
        at_text = sql_time(at)
        sim.checks.add(
            (check_id, run_id, link, at_text, outcome.verdict, outcome.status_code,
             outcome.final_url, outcome.error_kind, outcome.error, outcome.title,
             outcome.fingerprint, 120.0 + link % 500, 1, "GET",
             _state(before), _state(after))
        )  # fmt: skip
        for position, (url, status, location) in enumerate(outcome.hops):
            sim.hops.add((check_id, position, url, status, location))
        next_at = next_check_due(
            after, verdict, at, sim.policy, spread_of(sim.collection.urls[link])
        )
        sim.histories[link] = after
        sim.check_counts[link] += 1
        sim.last_at[link] = at_text
        sim.last_verdict[link] = outcome.verdict
        sim.last_check[link] = check_id
        sim.next_at[link] = sql_time(next_at)
        heapq.heappush(sim.due, (epoch(next_at), link))
    finished = sql_time(at + timedelta(minutes=1))
    sim.runs.add(
        (run_id, sql_time(started), finished, "completed", '["corpus/"]', "{}", finished,
         4242, "archive-host", len(links))
    )  # fmt: skip
    sim.last_run_checks = len(links)


def insert_links(
    db: sqlite3.Connection, sim: Simulation, *, first_seen: datetime, added: datetime
) -> None:
    """Each link with the denormalised columns its latest check left; unchecked ones are new."""
    writer = TableWriter(db, "links", LINK_COLUMNS)
    old, new = sql_time(first_seen), sql_time(added - timedelta(hours=12))
    for link in range(1, len(sim.collection.urls)):
        history = sim.histories[link]
        writer.add(
            (link, sim.collection.urls[link], old if sim.last_at[link] else new,
             sim.last_at[link], sim.last_verdict[link], sim.last_check[link],
             history.state.value if history.state else None, history.fail_count,
             sql_time(history.first_failed_at) if history.first_failed_at else None,
             sql_time(history.confirmed_dead_at) if history.confirmed_dead_at else None,
             sim.next_at[link])
        )  # fmt: skip
    writer.flush()


def insert_documents(
    db: sqlite3.Connection, params: Params, collection: Collection, last_night: datetime
) -> tuple[int, int]:
    """An article dump per ``links_per_document`` links; every tenth also cites popular ones."""
    documents = TableWriter(db, "documents", DOCUMENT_COLUMNS)
    citations = TableWriter(db, "citations", CITATION_COLUMNS)
    seen = sql_time(last_night)
    per = params.links_per_document
    popular = max(1, min(1000, params.links // 100))
    for document, first in enumerate(range(1, params.links + 1, per), start=1):
        cited = list(range(first, min(first + per, params.links + 1)))
        if document % 10 == 0:
            cited += [
                link
                for link in (document % popular + 1, document * 7 % popular + 1)
                if link < first
            ]
        day = f"20{15 + document % 10}-{1 + document % 12:02d}-{1 + document % 28:02d}"
        documents.add(
            (document, f"corpus/{day[:4]}/{day[5:7]}/article-{document:07d}.txt", "article",
             f"{zlib.crc32(str(document).encode()):08x}" * 8, collection.urls[first], day,
             seen, seen, seen)
        )  # fmt: skip
        for position, link in enumerate(cited):
            role = "original" if position == 0 else "related"
            citations.add(
                (citations.count + 1, document, link, collection.urls[link], str(position + 4),
                 role, None, day)
            )  # fmt: skip
    documents.flush()
    citations.flush()
    return documents.count, citations.count


def database_files(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def sidecar_of(path: Path) -> Path:
    return Path(f"{path}.scale.json")


def reusable(path: Path, params: Params, head: str | None) -> BuildInfo | None:
    """The sidecar's description of ``path`` if it was built with these parameters and schema."""
    sidecar = sidecar_of(path)
    if not (path.exists() and sidecar.exists()):
        return None
    try:
        info = BuildInfo(**json.loads(sidecar.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None
    fresh = (
        info.params == asdict(params)
        and info.generator_version == GENERATOR_VERSION
        and info.schema_revision == head
    )
    return info if fresh else None


# =========================================================================== measured steps


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a step gets: the store, the built database's description, and the options."""

    store: Store
    info: BuildInfo
    db_path: Path
    scratch: Path
    due_limit: int
    write_results: int


class StepUnavailable(Exception):
    """The store does not offer what this step measures (yet)."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    #: "due" and "report" steps have the 10 s target; "write" and "maintenance" only the RSS one
    kind: str
    describe: str
    #: unmeasured preparation, returning what ``run`` needs
    prepare: Callable[[StepContext], Any]
    run: Callable[[StepContext, Any], dict[str, Any]]


def _nothing(_context: StepContext) -> None:
    return None


def _count(items: Iterable[Any]) -> int:
    return sum(1 for _ in items)


def _all_paths(context: StepContext) -> list[str]:
    with sqlite3.connect(context.db_path) as db:
        return [row[0] for row in db.execute("SELECT path FROM documents")]


def _due(context: StepContext, prepared: Any, *, limit: int | None) -> dict[str, Any]:
    urls = context.store.links_to_check(
        documents=prepared, max_age=timedelta(days=7), limit=limit, now=context.info.tonight
    )
    return {"rows": _count(urls)}


def _rows_of(context: StepContext, run_id: int, verdicts: Any = None) -> dict[str, Any]:
    rows = citations = 0
    for row in context.store.link_rows(run_id=run_id, verdicts=verdicts):
        rows += 1
        citations += len(row.citations)
    return {"rows": rows, "citations": citations}


def _summaries(context: StepContext, _prepared: Any) -> dict[str, Any]:
    store, info = context.store, context.info
    last, big = store.run_summary(info.last_run_id), store.run_summary(info.big_run_id)
    runs = store.runs(limit=100)
    return {"rows": (last.total if last else 0) + (big.total if big else 0), "runs": len(runs)}


def _report(context: StepContext, output_format: str) -> dict[str, Any]:
    """What ``linkcheck report --format F`` does for tonight's run (``cli._emit``).

    JSON streams: ``write_json`` over the ``link_rows`` iterator, one object per
    link, into a counting null sink (no list, no file).  Other formats hold the
    rows in a ``ReportData`` list, render one string and write it.
    """
    from linkcheck.report import ReportData, ReportOptions, render
    from linkcheck.report.json_report import write_json

    store, run_id = context.store, context.info.last_run_id
    summary = store.run_summary(run_id)
    rows = store.link_rows(run_id=run_id)
    if output_format == "json":
        sink = _CountingSink()
        write_json(rows, ReportOptions(), sink, run=summary)
        return {"rows": summary.total if summary else 0, "output_mb": round(sink.chars / 2**20, 1)}
    extra: dict[str, Any] = {}
    if "changes" in {f.name for f in fields(ReportData)} and hasattr(store, "changes"):
        extra["changes"] = list(_call_changes(store, run_id))
    data = ReportData(
        links=list(rows), run=summary, runs=list(reversed(store.runs(limit=100))), **extra
    )
    text = render(output_format, data, ReportOptions())
    output = context.scratch / f"report.{output_format}"
    output.write_text(text + "\n", encoding="utf-8")
    return {"rows": len(data.links), "output_mb": round(len(text) / 2**20, 1)}


class _CountingSink(io.StringIO):
    """A text stream that keeps nothing but the number of characters written to it."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _call_changes(store: Any, run_id: int) -> Iterable[Any]:
    parameters = inspect.signature(store.changes).parameters
    result = store.changes(run_id=run_id) if "run_id" in parameters else store.changes()
    return result if isinstance(result, Iterable) else [result]


def _changes(context: StepContext, _prepared: Any) -> dict[str, Any]:
    if not hasattr(context.store, "changes"):
        raise StepUnavailable("Store.changes() does not exist yet")
    return {"rows": _count(_call_changes(context.store, context.info.last_run_id))}


def _stats(context: StepContext, _prepared: Any) -> dict[str, Any]:
    if not hasattr(context.store, "stats"):
        raise StepUnavailable("Store.stats() does not exist yet")
    stats = context.store.stats()
    return {"rows": 1, "stats": _plain(stats)}


def _prune(context: StepContext, _prepared: Any) -> dict[str, Any]:
    if not hasattr(context.store, "prune"):
        raise StepUnavailable("Store.prune() does not exist yet")
    outcome = context.store.prune(dry_run=True)
    return {"rows": 1, "prune": _plain(outcome)}


def _plain(value: Any) -> Any:
    """A dataclass or mapping as JSON-friendly values (anything else as its string)."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    return json.loads(json.dumps(value, default=str))


# --------------------------------------------------------------------------- the write step


def _write_urls(context: StepContext) -> list[str]:
    """URLs of ``write_results`` links picked at random: results arrive in any order."""
    picked = random.Random(7).sample(range(1, context.info.links + 1), context.write_results)
    urls: list[str] = []
    with sqlite3.connect(context.db_path) as db:
        for start in range(0, len(picked), 500):
            chunk = picked[start : start + 500]
            marks = ",".join("?" * len(chunk))
            urls += [
                row[0] for row in db.execute(f"SELECT url FROM links WHERE id IN ({marks})", chunk)
            ]
    return urls


def synthetic_results(urls: Sequence[str], start: datetime) -> Iterator[CheckResult]:
    """Tonight's results: 85 % alive, then moved, dead, soft 404, error, blocked; with hops."""
    from linkcheck.types import CheckResult, ErrorKind, Hop, Verdict

    for index, url in enumerate(urls):
        at = start + timedelta(milliseconds=50 * index)
        share = index % 100
        if share < 85:
            yield CheckResult(url, Verdict.ALIVE, at, 200, url, (Hop(url, 200),), title="A page",
                              fingerprint="0123456789abcdef", elapsed_ms=140.0)  # fmt: skip
        elif share < 89:
            target = url + "/moved"
            hops = (Hop(url, 301, target), Hop(target, 200))
            yield CheckResult(url, Verdict.MOVED, at, 200, target, hops, elapsed_ms=210.0)
        elif share < 93:
            yield CheckResult(url, Verdict.DEAD, at, 404, url, (Hop(url, 404),),
                              error_kind=ErrorKind.HTTP_STATUS, error="HTTP 404")  # fmt: skip
        elif share < 95:
            home = home_of(url)
            hops = (Hop(url, 302, home), Hop(home, 200))
            yield CheckResult(url, Verdict.SOFT_404, at, 200, home, hops)
        elif share < 98:
            yield CheckResult(url, Verdict.ERROR, at, error_kind=ErrorKind.TIMEOUT,
                              error="no answer within 20 s", attempts=3)  # fmt: skip
        else:
            yield CheckResult(url, Verdict.BLOCKED, at, 403, url, (Hop(url, 403),),
                              error_kind=ErrorKind.HTTP_STATUS, error="HTTP 403")  # fmt: skip


def _prepare_write(context: StepContext) -> tuple[list[str], float]:
    """The URLs, and the CPU seconds that merely building their results costs."""
    urls = _write_urls(context)
    before = time.process_time()
    for _ in synthetic_results(urls, context.info.tonight):
        pass
    return urls, time.process_time() - before


def _write(context: StepContext, prepared: tuple[list[str], float]) -> dict[str, Any]:
    from linkcheck.types import RunStatus

    urls, building_cpu = prepared
    store = context.store
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    run_id = store.start_run(inputs=["corpus/"], options={"bench": "scale"})
    with store.writer(run_id) as writer:
        for result in synthetic_results(urls, context.info.tonight + timedelta(hours=1)):
            writer.add(result)
    store.finish_run(run_id, RunStatus.COMPLETED)
    wall = time.perf_counter() - wall_before
    cpu = time.process_time() - cpu_before - building_cpu
    return {
        "rows": len(urls),
        "results_per_s": round(len(urls) / wall),
        "writer_cpu_ms_per_result": round(1000 * cpu / len(urls), 3),
    }


STEPS: tuple[Step, ...] = (
    Step("due-limit", "due", "links_to_check(max_age=7d, limit=--due-limit), streamed", _nothing,
         lambda c, p: _due(c, p, limit=c.due_limit)),
    Step("due-all", "due", "links_to_check(max_age=7d), no limit, streamed", _nothing,
         lambda c, p: _due(c, p, limit=None)),
    Step("due-documents", "due", "links_to_check(documents=<every path>, max_age=7d): what "
         "`linkcheck check corpus/` asks", _all_paths, lambda c, p: _due(c, p, limit=None)),
    Step("write", "write", "Store.writer(run).add() × --write-results, with hops, then close()",
         _prepare_write, _write),
    Step("report-rows", "report", "link_rows(run_id=tonight's run), streamed", _nothing,
         lambda c, p: _rows_of(c, c.info.last_run_id)),
    Step("failing-big-run", "report", "link_rows(run_id=first full run, verdicts=dead,soft_404)",
         _nothing, lambda c, p: _rows_of(c, c.info.big_run_id, _gone())),
    Step("summaries", "report", "run_summary(tonight), run_summary(first full run), runs(100)",
         _nothing, _summaries),
    Step("report-json", "report", "`linkcheck report --format json` for tonight's run: "
         "write_json streaming link_rows into a null sink", _nothing,
         lambda c, p: _report(c, "json")),
    Step("report-html", "report", "`--format html`: rows in a list, changes, runs, render, "
         "write the file", _nothing,
         lambda c, p: _report(c, "html")),
    Step("changes", "report", "Store.changes() for tonight's run", _nothing, _changes),
    Step("stats", "maintenance", "Store.stats()", _nothing, _stats),
    Step("prune-dry", "maintenance", "Store.prune(dry_run=True)", _nothing, _prune),
)  # fmt: skip
STEP_NAMES = tuple(step.name for step in STEPS)


def _gone() -> Any:
    from linkcheck.types import GONE_VERDICTS

    return GONE_VERDICTS


def run_step(arguments: argparse.Namespace) -> int:
    """The child side: run one step, print its figures as one JSON line."""
    from linkcheck.store import Store

    step = next(step for step in STEPS if step.name == arguments.step)
    info = BuildInfo(**json.loads(arguments.info))
    wall_start = time.perf_counter()
    with Store.open(f"sqlite:///{arguments.db}") as store:
        context = StepContext(
            store,
            info,
            arguments.db,
            arguments.scratch,
            arguments.due_limit,
            arguments.write_results,
        )
        open_seconds = time.perf_counter() - wall_start
        prepared = step.prepare(context)
        rss_before, peak_before = _rss_mb(), _peak_rss_mb()
        _reset_peak_rss()
        profile = cProfile.Profile() if arguments.profile else None
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        try:
            if profile is not None:
                profile.enable()
            figures = step.run(context, prepared)
        except StepUnavailable as missing:
            print(json.dumps({"unavailable": str(missing)}))
            return 0
        finally:
            if profile is not None:
                profile.disable()
        wall, cpu = time.perf_counter() - wall_before, time.process_time() - cpu_before
    if profile is not None:
        _save_profile(profile, Path(arguments.profile))
    figures.update(
        wall_s=round(wall, 3),
        cpu_s=round(cpu, 3),
        open_s=round(open_seconds, 3),
        rss_before_mb=rss_before,
        step_peak_rss_mb=_peak_rss_mb(),
        process_peak_rss_mb=max(peak_before or 0.0, _peak_rss_mb() or 0.0),
    )
    print(json.dumps(figures))
    return 0


def _status_kb(field_name: str) -> float | None:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field_name + ":"):
            return float(line.split()[1])
    return None


def _rss_mb() -> float | None:
    kb = _status_kb("VmRSS")
    return round(kb / 1024, 1) if kb is not None else None


def _peak_rss_mb() -> float | None:
    kb = _status_kb("VmHWM")
    return round(kb / 1024, 1) if kb is not None else None


def _reset_peak_rss() -> None:
    """Make VmHWM start again from the current RSS (Linux: "5" to clear_refs)."""
    # Without it the step's peak includes the preparation: still an upper bound.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def _save_profile(profile: cProfile.Profile, path: Path) -> None:
    profile.dump_stats(path)
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(30)
    path.with_suffix(".txt").write_text(text.getvalue(), encoding="utf-8")


# =========================================================================== the parent


@dataclass(frozen=True, slots=True)
class Measured:
    """One step in one cache state, as the parent saw it and the child reported it."""

    step: str
    kind: str
    cache: str
    figures: dict[str, Any]
    process_wall_s: float | None = None
    process_cpu_s: float | None = None
    process_peak_rss_mb: float | None = None
    problem: str | None = None

    @property
    def meets_targets(self) -> bool | None:
        if self.problem is not None or "wall_s" not in self.figures:
            return None
        timed = self.kind in ("due", "report")
        fast = not timed or self.figures["wall_s"] < TARGET_SECONDS
        small = (self.process_peak_rss_mb or 0.0) < TARGET_PEAK_RSS_MB
        return fast and small


def evict_from_page_cache(path: Path) -> None:
    """Ask the kernel to drop the file's cached pages: the next read comes from disk.

    Only this file is affected (no root needed, nobody else's cache is touched);
    clean pages only, hence the fsync first.
    """
    for file in database_files(path):
        if file.exists():
            fd = os.open(file, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def warm_page_cache(path: Path) -> None:
    """Read the database once so that every page is in the OS cache."""
    for file in database_files(path):
        if file.exists():
            with file.open("rb") as handle:
                while handle.read(1 << 22):
                    pass


def measure_step(
    step: Step, cache: str, db: Path, info: BuildInfo, arguments: argparse.Namespace, scratch: Path
) -> Measured:
    target_db = db
    if step.kind == "write":  # never change the database the other steps (and --reuse) rely on
        target_db = scratch / "write-copy.db"
        for source, copy in zip(database_files(db), database_files(target_db), strict=True):
            if source.exists():
                shutil.copyfile(source, copy)
    (evict_from_page_cache if cache == "cold" else warm_page_cache)(target_db)
    profile = scratch / f"{step.name}-{cache}.prof" if arguments.profile else None
    command = [
        sys.executable, str(Path(__file__).resolve()), "--step", step.name, "--db", str(target_db),
        "--info", json.dumps(asdict(info)), "--scratch", str(scratch),
        "--due-limit", str(arguments.due_limit), "--write-results", str(arguments.write_results),
    ]  # fmt: skip
    if profile is not None:
        command += ["--profile", str(profile)]
    stdout, stderr = scratch / f"{step.name}.out", scratch / f"{step.name}.err"
    try:
        measurement = run_measured(
            command, stdout_path=stdout, stderr_path=stderr, timeout_seconds=arguments.step_timeout
        )
    except CommandTimedOut:
        return Measured(step.name, step.kind, cache, {}, problem=f"over {arguments.step_timeout} s")
    finally:
        if target_db != db:
            for copy in database_files(target_db):
                copy.unlink(missing_ok=True)
    if profile is not None and arguments.profile:
        _keep_profile(profile, Path(arguments.profile))
    lines = stdout.read_text(encoding="utf-8").strip().splitlines()
    if measurement.exit_code != 0 or not lines:
        tail = stderr.read_text(encoding="utf-8", errors="replace")[-1500:]
        return Measured(
            step.name, step.kind, cache, {}, problem=f"exit {measurement.exit_code}: {tail}"
        )
    figures = json.loads(lines[-1])
    problem = figures.pop("unavailable", None)
    return Measured(
        step.name, step.kind, cache, figures,
        # Not wait4's ru_maxrss: a forked child inherits the parent's high-water mark.
        round(measurement.wall_seconds, 2), round(measurement.cpu_seconds, 2),
        figures.get("process_peak_rss_mb"), problem,
    )  # fmt: skip


def _keep_profile(profile: Path, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for file in (profile, profile.with_suffix(".txt")):
        if file.exists():
            shutil.copyfile(file, directory / file.name)


def machine() -> dict[str, Any]:
    """Where the figures were taken, and which linkcheck code they measure."""
    import sqlalchemy

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    repo = Path(__file__).resolve().parents[1]
    head = _git(repo, "rev-parse", "--short", "HEAD")
    dirty = _git(repo, "status", "--porcelain", "--", "linkcheck/store", "migrations")
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "commit": head,
        "uncommitted_store_changes": dirty.splitlines() if dirty else [],
    }


def _git(repo: Path, *command: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *command],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def table(results: Sequence[Measured]) -> str:
    """The figures as a Markdown table (also readable in a terminal)."""
    lines = [
        "| step | cache | rows | step wall s | step CPU s | process wall s | peak RSS MB "
        "| targets |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        figures = result.figures
        if result.problem is not None:
            verdict = (result.problem.strip().splitlines() or ["failed"])[-1][:80]
        else:
            verdict = "ok" if result.meets_targets else "MISSED"
        lines.append(
            f"| {result.step} | {result.cache} | {figures.get('rows', '')} "
            f"| {figures.get('wall_s', '')} | {figures.get('cpu_s', '')} "
            f"| {result.process_wall_s or ''} | {result.process_peak_rss_mb or ''} | {verdict} |"
        )
    return "\n".join(lines)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--checks-per-link", type=int, default=5, help="checks per checked link")
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--db", type=Path, help="database file (default: in a temporary folder)")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse --db if built with the same size"
    )
    parser.add_argument("--build-only", action="store_true", help="build the database and stop")
    parser.add_argument("--steps", default=",".join(STEP_NAMES), help="comma-separated steps")
    parser.add_argument(
        "--cache",
        choices=("cold", "warm", "both"),
        default="both",
        help="the OS page cache for each step: cold = the database's pages evicted first",
    )
    parser.add_argument("--due-limit", type=int, default=100_000)
    parser.add_argument("--write-results", type=int, default=100_000)
    parser.add_argument("--step-timeout", type=float, default=900.0, help="seconds per step")
    parser.add_argument("--profile", help="folder for a cProfile of each step (slows steps)")
    parser.add_argument("--keep", action="store_true", help="keep temporary files and database")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    # The child side (internal).
    parser.add_argument("--step", choices=STEP_NAMES, help=argparse.SUPPRESS)
    parser.add_argument("--info", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    unknown = set(arguments.steps.split(",")) - set(STEP_NAMES)
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}; choose from {', '.join(STEP_NAMES)}")
    if arguments.links < 100 or arguments.checks_per_link < 1:
        parser.error("--links must be at least 100 and --checks-per-link at least 1")
    arguments.write_results = min(arguments.write_results, arguments.links)
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.step:
        return run_step(arguments)
    scratch = Path(tempfile.mkdtemp(prefix="linkcheck-scale-"))
    try:
        return _benchmark(arguments, scratch)
    finally:
        if arguments.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _benchmark(arguments: argparse.Namespace, scratch: Path) -> int:
    from linkcheck.store.migrate import head_revision

    params = Params(
        arguments.links, arguments.checks_per_link, hosts=arguments.hosts, seed=arguments.seed
    )
    db = arguments.db or scratch / "scale.db"
    info = reusable(db, params, head_revision()) if arguments.reuse else None
    if info is None:
        _say(
            arguments,
            f"building {params.links:,} links × {params.checks_per_link} checks in {db} …",
        )
        info = build_database(db, params)
        sidecar_of(db).write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")
    _say(arguments, f"database: {json.dumps(asdict(info))}")
    results: list[Measured] = []
    if not arguments.build_only:
        caches = ("cold", "warm") if arguments.cache == "both" else (arguments.cache,)
        chosen = arguments.steps.split(",")
        for step in (step for step in STEPS if step.name in chosen):
            for cache in caches:
                _say(arguments, f"{step.name} ({cache}) …")
                results.append(measure_step(step, cache, db, info, arguments, scratch))
    report = {
        "machine": machine(),
        "database": asdict(info),
        "targets": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_PEAK_RSS_MB},
        "steps": [{**asdict(result), "meets_targets": result.meets_targets} for result in results],
    }
    if arguments.json:
        print(json.dumps(report, indent=2))
    else:
        print(json.dumps(report["machine"]))
        print(table(results))
    if arguments.db is None and arguments.keep:
        _say(arguments, f"database kept at {db}")
    return 0 if all(result.meets_targets is not False for result in results) else 1


def _say(arguments: argparse.Namespace, message: str) -> None:
    print(message, file=sys.stderr if arguments.json else sys.stdout, flush=True)


if __name__ == "__main__":
    sys.exit(main())
