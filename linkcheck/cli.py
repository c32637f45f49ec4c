"""The command line: options → library call → renderer → exit code.

Thin on purpose: every command builds :class:`linkcheck.config.Settings`, calls
the library (``linkcheck.pipeline``, ``linkcheck.store``, ``linkcheck.extract``),
and renders the result.  Exceptions of the run are mapped to exit codes in one
place (:func:`_exit_on_error`).

Every run pays at start-up for what this module imports, and ``check`` is run
far more often than the rest: a renderer only one lesser command needs
(``history``, ``db stats``, ``extract``, ``report --changes``) is imported
inside that command.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO, TypeVar

import typer

from linkcheck import __version__, pipeline
from linkcheck.config import (
    Settings,
    load_settings,
    parse_duration,
    parse_names,
    sqlite_file,
)
from linkcheck.errors import ArchiveError, InputError, LinkcheckError, UsageError
from linkcheck.extract import (
    DEFAULT_EXTENSIONS,
    ExtractResult,
    UnchangedInput,
    extract_documents,
)
from linkcheck.pipeline import EventSink
from linkcheck.policy import (
    Baseline,
    FailurePolicy,
    FailureWatch,
    failing_citations_in,
    failing_citations_in_report,
)
from linkcheck.progress import ConsoleProgress, wants_live_display
from linkcheck.report import FORMATS, render
from linkcheck.report.json_report import write_json
from linkcheck.report.model import ReportData, ReportOptions
from linkcheck.report.redact import redact_row
from linkcheck.report.summary import plural
from linkcheck.scanning import NO_READABLE_INPUT
from linkcheck.store import Store
from linkcheck.types import (
    Document,
    InputSkipped,
    LinkChange,
    LinkIgnored,
    LinkRow,
    LinkState,
    RunSummary,
    SaveOutcome,
    SkippedInput,
    Snapshot,
    Verdict,
)
from linkcheck.urls import InvalidURL, normalize_url

app = typer.Typer(
    name="linkcheck",
    help="Find every cited URL in your documents, check it, keep its history, "
    "and find its archived copy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

EXIT_FAILING = 1
E = TypeVar("E", bound=StrEnum)

# --------------------------------------------------------------------------- shared options

Paths = Annotated[
    list[str],
    typer.Argument(
        help="Files, directories (searched recursively), globs, or - for stdin.",
        metavar="PATHS",
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="LINKCHECK_DB",
        help="SQLAlchemy database URL (default: sqlite:///linkcheck.db).",
        show_envvar=True,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Configuration file (default: linkcheck.toml, or the tool.linkcheck table of "
        "pyproject.toml, searched from the working directory upward).",
    ),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Say what is skipped or ignored, and why.")
]
FormatOption = Annotated[
    str | None, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
]


TextOrJsonOption = Annotated[str, typer.Option("--format", "-f", help="text or json.")]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No progress and no 'needs attention' list: the counts and the failing links.",
    ),
]
IncludeCodeOption = Annotated[
    bool | None,
    typer.Option("--include-code", help="Also take URLs from Markdown code blocks."),
]
ReparseOption = Annotated[
    bool | None,
    typer.Option("--reparse", help="Parse every document again, even unchanged ones."),
]
ExtensionsOption = Annotated[
    str | None,
    typer.Option(
        "--extensions",
        help="Comma-separated file extensions read in directories (default: "
        f"{', '.join(sorted(extension.lstrip('.') for extension in DEFAULT_EXTENSIONS))}).",
    ),
]


@contextmanager
def _exit_on_error() -> Iterator[None]:
    """Map the run's exceptions to exit codes: the one place that does it."""
    try:
        yield
    except LinkcheckError as error:
        typer.echo(f"linkcheck: error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("linkcheck: interrupted; everything checked so far is saved.", err=True)
        raise typer.Exit(130) from None


def _open_existing(settings: Settings) -> Store:
    """Open the database for a command that only reads what a check stored.

    A mistyped SQLite path must not quietly become a new, empty database.
    """
    name = sqlite_file(settings.db)
    if name is not None and not Path(name).exists():
        raise UsageError(f"no database at {name}: run `linkcheck check` first, or pass --db")
    return Store.open(settings.db)


def _settings(config: Path | None, **flags: Any) -> Settings:
    return load_settings({k: v for k, v in flags.items() if v is not None}, config_file=config)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"linkcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=version_callback, is_eager=True, help="Show version."),
    ] = None,
) -> None:
    """linkcheck: link-rot and citation checker."""


# --------------------------------------------------------------------------- extract


@app.command()
def extract(
    paths: Paths,
    output_format: TextOrJsonOption = "text",
    include_code: IncludeCodeOption = None,
    extensions: ExtensionsOption = None,
    verbose: VerboseOption = False,
    config: ConfigOption = None,
) -> None:
    """Print every citation found in PATHS (no database, no network)."""
    _text_or_json(output_format)
    with _exit_on_error():
        settings = _settings(config, include_code=include_code, extensions=extensions)
        progress = ConsoleProgress(verbose=verbose, quiet=False)
        seen = Counter[str]()
        documents = _readable(extract_documents(paths, settings.extract), progress.handle, seen)
        from linkcheck.report.citations import write_citations  # lazily: see the docstring

        write_citations(documents, output_format, sys.stdout)
        if seen["skipped"] and not seen["read"]:  # as `check` and `scan` do: exit 2
            raise InputError(NO_READABLE_INPUT)


def _readable(
    items: Iterable[ExtractResult], on_event: EventSink, seen: Counter[str]
) -> Iterator[Document]:
    """The parsed documents; what could not be read, or is not checked, goes out as events
    (the same messages a scan or a check shows).  ``seen`` counts both."""
    for item in items:
        if isinstance(item, SkippedInput):
            seen["skipped"] += 1
            on_event(InputSkipped(item))
        elif not isinstance(item, UnchangedInput):
            seen["read"] += 1
            for ignored in item.ignored:
                on_event(LinkIgnored(ignored))
            yield item


def _text_or_json(output_format: str) -> None:
    if output_format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")


# --------------------------------------------------------------------------- scan


@app.command()
def scan(
    paths: Paths,
    db: DbOption = None,
    include_code: IncludeCodeOption = None,
    extensions: ExtensionsOption = None,
    reparse: ReparseOption = None,
    verbose: VerboseOption = False,
    config: ConfigOption = None,
) -> None:
    """Store the documents in PATHS and the links they cite (no network)."""
    with _exit_on_error():
        settings = _settings(
            config, db=db, include_code=include_code, extensions=extensions, reparse=reparse
        )
        progress = ConsoleProgress(verbose=verbose, quiet=False)
        with Store.open(settings.db) as store:
            outcome = pipeline.scan(store, paths, settings, on_event=progress.handle)
        s = outcome.stats
        typer.echo(
            f"{plural(len(outcome.documents), 'document')} ({s.added} new, {s.updated} changed, "
            f"{s.unchanged} unchanged{f', {s.removed} gone' if s.removed else ''}), "
            f"{plural(s.citations, 'citation')} stored; "
            f"{plural(len(outcome.skipped), 'input')} skipped."
        )


# --------------------------------------------------------------------------- check


OptionalPaths = Annotated[
    list[str] | None,
    typer.Argument(
        help="Files, directories (searched recursively), globs, or - for stdin.",
        show_default=False,
        metavar="PATHS",
    ),
]


@app.command()
def check(
    paths: OptionalPaths = None,
    db: DbOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Comma-separated verdicts that fail the run (exit 1) (default: dead,soft_404).",
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Requests in flight at once (default: 64).")
    ] = None,
    host_concurrency: Annotated[
        int | None, typer.Option(help="Requests in flight to one host (default: 8).")
    ] = None,
    host_interval: Annotated[
        float | None,
        typer.Option(help="Seconds between request starts to one host (default: 0)."),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds one attempt at a link may take, redirects and body included; "
            "each retry gets as long again (default: 30)."
        ),
    ] = None,
    retries: Annotated[
        int | None, typer.Option(help="Retries of transient failures (default: 2).")
    ] = None,
    host_down_after: Annotated[
        int | None,
        typer.Option(
            help="After this many links in a row on one host time out, are refused or are "
            "reset, report its other links unasked, as errors (default: 5; 0: never).",
            min=0,
        ),
    ] = None,
    user_agent: Annotated[str | None, typer.Option(help="User-Agent header.")] = None,
    accept: Annotated[
        str | None,
        typer.Option(help="Comma-separated status codes to treat as alive, e.g. 200,403."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="Regex of URLs not to check (repeatable)."),
    ] = None,
    exclude_private: Annotated[
        bool | None,
        typer.Option(
            "--exclude-private",
            help="Refuse targets that resolve to loopback, private or link-local "
            "addresses (every redirect hop too).",
        ),
    ] = None,
    head: Annotated[
        bool | None,
        typer.Option(
            "--head",
            help="Try HEAD first: a good answer is taken (no page is read, so soft 404s go "
            "unseen); any other answer is asked again with GET.",
        ),
    ] = None,
    max_age: Annotated[
        str | None,
        typer.Option(
            help="Check only what is due: new and failing links, and good ones last checked "
            "longer ago than this, e.g. 12h, 7d. Known failures still fail the run."
        ),
    ] = None,
    archive: Annotated[
        bool | None,
        typer.Option("--archive", help="Look up archived copies of failing links."),
    ] = None,
    wayback_url: Annotated[
        str | None,
        typer.Option(envvar="LINKCHECK_WAYBACK_URL", help="Base URL of the web archive."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="Regex of known-bad URLs that never fail the run (repeatable)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="Check at most this many links tonight.", min=1)
    ] = None,
    budget: Annotated[
        str | None,
        typer.Option(help="Stop checking after this long, e.g. 2h; the rest stays due."),
    ] = None,
    wait: Annotated[
        str | None,
        typer.Option(help="Wait this long for another run on the database, e.g. 10m."),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Finish the interrupted run without re-checking."),
    ] = False,
    baseline: Annotated[
        str | None,
        typer.Option(
            help="A previous run ID or JSON report: fail only on citations newly broken since."
        ),
    ] = None,
    include_code: IncludeCodeOption = None,
    extensions: ExtensionsOption = None,
    reparse: ReparseOption = None,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
    config: ConfigOption = None,
) -> None:
    """Check every link cited in PATHS, record the run, and report failures."""
    with _exit_on_error():
        settings = _settings(
            config,
            db=db,
            format=output_format,
            fail_on=fail_on,
            concurrency=concurrency,
            host_concurrency=host_concurrency,
            host_interval=host_interval,
            timeout=timeout,
            retries=retries,
            host_down_after=host_down_after,
            user_agent=user_agent,
            accept=accept,
            exclude=exclude,
            exclude_private=exclude_private,
            head=head,
            max_age=max_age,
            archive=archive,
            wayback_url=wayback_url,
            ignore=ignore,
            limit=limit,
            budget=budget,
            wait=wait,
            include_code=include_code,
            extensions=extensions,
            reparse=reparse,
        )
        if not paths and not resume:
            raise UsageError("name the files or directories to check (or use --resume)")
        _check_writable(output)  # before the run, not after an hour of checking
        progress = ConsoleProgress(verbose=verbose, quiet=quiet)
        with Store.open(settings.db) as store:
            known_bad = _baseline_failures(store, baseline, settings) if baseline else Baseline()
            work = (
                pipeline.resume(store, settings, on_event=progress.handle)
                if resume
                else pipeline.check(store, paths or [], settings, on_event=progress.handle)
            )
            with progress:  # the bar is gone before the report is printed
                outcome = asyncio.run(work)
            if known_bad.citing:  # matched by location: this run may name documents anew
                known_bad = known_bad.named_as(store.document_locations())
            policy = FailurePolicy(settings.fail_on, settings.ignore, known_bad)
            watch = FailureWatch(policy)
            rows = watch.watch(pipeline.report_rows(store, outcome, settings))
            _emit(
                settings,
                rows,
                output,
                run=outcome.summary,
                only_failing=quiet,
                excused=policy.excused,
            )
        if watch.excused and not quiet:
            typer.echo(
                f"linkcheck: {watch.excused} failing links not counted (ignored or already "
                "failing in the baseline)",
                err=True,
            )
        if watch.failures:
            raise typer.Exit(EXIT_FAILING)


def _baseline_failures(store: Store, baseline: str, settings: Settings) -> Baseline:
    """Failing citations of a previous run (an ID) or of a saved JSON report (a path)."""
    path = Path(baseline)
    if baseline.isdigit() and not path.exists():
        run = store.run_summary(int(baseline))
        if run is None:
            raise UsageError(f"--baseline: no run {baseline} in {settings.db}")
        rows = store.link_rows(run_id=run.id, verdicts=settings.fail_on)
        # Read before this run's scan: the stored citations are still those of the
        # last scan, the baseline's own unless a document was stored again since.
        changed = store.documents_changed_since(run.finished_at or run.started_at)
        return failing_citations_in(
            rows, settings.fail_on, locations=store.document_locations(), changed_since=changed
        )
    return failing_citations_in_report(path, settings.fail_on)


def _emit(
    settings: Settings,
    rows: Iterable[LinkRow],
    output: Path | None,
    *,
    run: RunSummary | None = None,
    runs: Sequence[RunSummary] = (),
    changes: Sequence[LinkChange] = (),
    group_by: str | None = None,
    show_all: bool = False,
    only_failing: bool = False,
    excused: Callable[[LinkRow], bool] = lambda _row: False,
) -> None:
    """Render the report to stdout or ``output``; JSON streams row by row."""
    options = ReportOptions(
        fail_on=settings.fail_on,
        color=output is None and wants_live_display(sys.stdout),
        group_by=group_by,  # type: ignore[arg-type]  # checked by the command
        show_all=show_all,
        only_failing=only_failing,
        excused=excused,
    )
    shown = map(redact_row, rows)
    with _destination(output) as stream:
        if settings.format == "json":
            write_json(shown, options, stream, run=run)
        else:
            data = ReportData(links=list(shown), run=run, runs=runs, changes=changes)
            stream.write(render(settings.format, data, options))  # a whole file, line end included


def _refuse_together(option: str, value: object, others: dict[str, object]) -> None:
    """Options ``option`` makes meaningless are refused, not silently ignored."""
    if not value:
        return
    clashing = [name for name, other in others.items() if other not in (None, False)]
    if clashing:
        raise UsageError(f"{option} cannot be combined with {', '.join(clashing)}")


def _check_writable(output: Path | None) -> None:
    if output is None:
        return
    folder = output.parent if str(output.parent) else Path()
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write {output}: {folder} is not a writable folder")


@contextmanager
def _destination(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    try:
        with output.open("w", encoding="utf-8") as stream:
            yield stream
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror}") from None


# --------------------------------------------------------------------------- report


@app.command()
def report(
    db: DbOption = None,
    run: Annotated[int | None, typer.Option("--run", help="Run ID (default: latest).")] = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    verdict: Annotated[
        str | None,
        typer.Option("--verdict", help="Comma-separated verdicts to include (default: all)."),
    ] = None,
    group_by: Annotated[
        str | None, typer.Option("--group-by", help="Group the text report: document or domain.")
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every link, not only the noteworthy ones.")
    ] = False,
    fail_on: Annotated[
        str | None, typer.Option("--fail-on", help="Verdicts shown as failures.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Every link whose latest check, in any run, is this recent: a date "
            "(2026-01-31) or a duration (7d).",
        ),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state", help="Comma-separated link states: alive, failing, dead, recovered."
        ),
    ] = None,
    current: Annotated[
        bool,
        typer.Option(
            "--current",
            help="Every link the documents cite, as last checked, in any run: the collection "
            "as the database knows it (after incremental nights, the latest run holds only "
            "what was due).",
        ),
    ] = False,
    changes: Annotated[
        bool,
        typer.Option(
            "--changes",
            help="Only what changed since the previous completed run: newly failing, "
            "newly dead and recovered links.",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Report on what the database holds (the latest run by default)."""
    if group_by not in (None, "document", "domain"):
        raise typer.BadParameter("choose document or domain", param_hint="--group-by")
    with _exit_on_error():
        given = {"--verdict": verdict, "--state": state, "--group-by": group_by, "--all": show_all}
        _refuse_together("--changes", changes, {**given, "--since": since, "--current": current})
        _refuse_together("--since", since, {"--run": run, "--current": current})
        _refuse_together("--current", current, {"--run": run})
        settings = _settings(config, db=db, format=output_format, fail_on=fail_on)
        verdicts = _verdict_filter(verdict)
        with _open_existing(settings) as store:
            summary = store.run_summary(run)
            if summary is None:
                raise UsageError(
                    f"no run {run} in {settings.db}" if run else f"no runs yet in {settings.db}"
                )
            if changes:
                if settings.format not in ("text", "json"):
                    raise UsageError("--changes comes as text or json")
                from linkcheck.report.changes import render_changes  # lazily: see the docstring

                with _destination(output) as stream:
                    stream.write(render_changes(store.changes(run_id=summary.id), settings.format))
                    stream.write("\n")
                return
            every_run = since is not None or current
            rows = store.link_rows(
                run_id=None if every_run else summary.id,
                verdicts=verdicts,
                since=_since(since) if since else (pipeline.ANY_TIME if current else None),
                states=_state_filter(state),
                cited_only=current,  # the collection: what its documents cite now,
                unchecked=current,  # checked or not (--limit and --budget leave some for later)
            )
            _emit(
                settings,
                rows,
                output,
                run=None if every_run else summary,
                runs=list(reversed(store.runs(limit=100))),
                changes=store.changes(run_id=summary.id),
                group_by=group_by,
                show_all=show_all,
            )


def _since(text: str) -> datetime:
    """A date (midnight UTC) or a duration back from now."""
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        pass
    try:
        return datetime.now(UTC) - parse_duration(text)
    except ValueError:
        raise UsageError(
            f"--since: expected a date such as 2026-01-31 or a duration such as 7d, got {text!r}"
        ) from None


def _state_filter(text: str | None) -> frozenset[LinkState] | None:
    return _names_of(LinkState, text, "--state", "state")


def _verdict_filter(text: str | None) -> frozenset[Verdict] | None:
    return _names_of(Verdict, text, "--verdict", "verdict")


def _names_of(kind: type[E], text: str | None, flag: str, noun: str) -> frozenset[E] | None:
    """The members of ``kind`` named in a comma-separated flag value (None: no filter)."""
    if text is None:
        return None
    try:
        return parse_names(kind, text, noun)
    except ValueError as error:
        raise UsageError(f"{flag}: {error}") from None


@app.command()
def history(
    url: Annotated[str, typer.Argument(help="The link, as cited or normalized.")],
    db: DbOption = None,
    output_format: TextOrJsonOption = "text",
    config: ConfigOption = None,
) -> None:
    """Every check of one link: verdicts, statuses, redirect hops, and its snapshot."""
    _text_or_json(output_format)
    with _exit_on_error():
        settings = _settings(config, db=db)
        key = _normalized(url)
        with _open_existing(settings) as store:
            checks = store.link_history(key)
            citations = store.citations_of(key)
            snapshot = store.latest_snapshot(key)
        if not checks and not citations:
            raise UsageError(f"{url} is not in {settings.db}")
        from linkcheck.report.history import render_history  # lazily: see the docstring

        typer.echo(render_history(key, checks, citations, snapshot, output_format))


def _normalized(url: str) -> str:
    try:
        return normalize_url(url)
    except InvalidURL as error:
        raise UsageError(f"{url}: {error}") from None


# --------------------------------------------------------------------------- archive


@app.command()
def archive(
    db: DbOption = None,
    lookup: Annotated[
        bool, typer.Option("--lookup", help="Find archived copies of failing links (default).")
    ] = False,
    save: Annotated[
        bool,
        typer.Option(
            "--save",
            help="Ask the archive to capture live links with no recent capture (needs "
            "LINKCHECK_WAYBACK_ACCESS_KEY and LINKCHECK_WAYBACK_SECRET_KEY).",
        ),
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask again even where an answer is stored.")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many links.", min=1)] = None,
    run: Annotated[int | None, typer.Option("--run", help="Run ID (default: latest).")] = None,
    wayback_url: Annotated[
        str | None,
        typer.Option(envvar="LINKCHECK_WAYBACK_URL", help="Base URL of the web archive."),
    ] = None,
    verbose: VerboseOption = False,
    config: ConfigOption = None,
) -> None:
    """Work with the Wayback Machine on what the database holds."""
    with _exit_on_error():
        settings = _settings(config, db=db, refresh=refresh or None, wayback_url=wayback_url)
        progress = ConsoleProgress(verbose=verbose, quiet=False)
        with _open_existing(settings) as store, progress:
            store.require_writable()  # before asking the archive: the answers are recorded
            if lookup or not save:
                found = asyncio.run(
                    pipeline.lookup_snapshots(
                        store, settings, run_id=run, limit=limit, on_event=progress.handle
                    )
                )
                typer.echo(_lookup_summary(found))
                if found and all(snapshot.error for snapshot in found):
                    raise ArchiveError(f"every look-up failed: {found[0].error}")
            if save:
                outcomes = asyncio.run(
                    pipeline.save_live_links(
                        store, settings, run_id=run, limit=limit, on_event=progress.handle
                    )
                )
                typer.echo(_save_summary(outcomes))


def _lookup_summary(found: Sequence[Snapshot]) -> str:
    with_copy = sum(1 for s in found if s.found)
    failed = sum(1 for s in found if s.error)
    lines = [
        f"looked up {len(found)} links: {with_copy} with an archived copy, "
        f"{len(found) - with_copy - failed} without, {failed} archive failures"
    ]
    lines += [f"  {s.url} → {s.archive_url}" for s in found if s.found]
    lines += [f"  {s.url}: {s.error}" for s in found if s.error]
    return "\n".join(lines)


def _save_summary(outcomes: Sequence[SaveOutcome]) -> str:
    if not outcomes:
        return "nothing to save: every live link has a recent capture"
    counts = Counter(o.status.value for o in outcomes)
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return f"asked the archive to save {len(outcomes)} links: {parts}"


# --------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None, config: ConfigOption = None) -> None:
    """Bring the database schema up to date."""
    with _exit_on_error():
        settings = _settings(config, db=db)
        with Store.open(settings.db, upgrade=True) as store:
            typer.echo(f"{settings.db}: schema at revision {store.current_revision()}")


@db_app.command("stats")
def db_stats(
    db: DbOption = None,
    output_format: TextOrJsonOption = "text",
    config: ConfigOption = None,
) -> None:
    """Counts of what the database holds: documents, links by state, checks, runs."""
    _text_or_json(output_format)
    with _exit_on_error():
        settings = _settings(config, db=db)
        with _open_existing(settings) as store:
            stats = store.stats()
        from linkcheck.report.stats import render_stats  # lazily: see the docstring

        typer.echo(render_stats(asdict(stats), output_format))


@db_app.command("prune")
def db_prune(
    db: DbOption = None,
    keep: Annotated[
        int, typer.Option(help="Checks to keep per link besides state changes.", min=1)
    ] = 10,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
    config: ConfigOption = None,
) -> None:
    """Thin old check history: keep every state change and the latest checks of each link."""
    with _exit_on_error():
        settings = _settings(config, db=db)
        with _open_existing(settings) as store:
            pruned = store.prune(keep_latest=keep, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        typer.echo(f"{verb} {pruned.checks_deleted} checks and {pruned.hops_deleted} hops")


__all__ = ["app"]
