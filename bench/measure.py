"""Run one command as a child process and measure what it cost.

Wall time from start to exit; CPU time (user + system) and peak resident memory
from ``os.wait4``, which reports on exactly that child (and any children it
waited for), so neither the benchmark's own process nor the local web server is
counted.  While it runs, its resident memory is sampled from ``/proc`` so the
benchmark can tell in which phase the peak falls.  Times are ``time.monotonic()``,
the system-wide clock the local web uses too, so the two can be lined up.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.005
SAMPLE_EVERY_POLLS = 10  # an RSS sample every 50 ms


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one run of a command cost."""

    exit_code: int
    started_at: float  # time.monotonic() at the start
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    rss_samples: tuple[tuple[float, float], ...]  # (time.monotonic(), MB)

    def peak_rss_between(self, start: float, end: float) -> float | None:
        """The highest sampled RSS in [start, end), if a sample fell there."""
        inside = [mb for at, mb in self.rss_samples if start <= at < end]
        return max(inside, default=None)


class CommandTimedOut(RuntimeError):
    """The command ran longer than its time limit and was killed."""


def run_measured(
    command: list[str],
    *,
    stdout_path: Path,
    stderr_path: Path,
    timeout_seconds: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Measurement:
    """Run ``command`` to its end (or kill it after ``timeout_seconds``) and measure it.

    Output goes to files, not pipes: a JSON report of 100,000 links would fill a
    pipe buffer and stall the child while we wait for it.
    """
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, env=env)
        try:
            status, usage = _wait_with_deadline(process.pid, started + timeout_seconds, samples)
        except BaseException:
            process.kill()
            os.wait4(process.pid, 0)
            process.returncode = -9
            raise
        wall = time.monotonic() - started
    # wait4 reaped the child; tell Popen so it does not try again.
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(
        exit_code=process.returncode,
        started_at=started,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        # Linux reports ru_maxrss in kilobytes.
        peak_rss_mb=usage.ru_maxrss / 1024,
        rss_samples=tuple(samples),
    )


def _wait_with_deadline(
    pid: int, deadline: float, samples: list[tuple[float, float]]
) -> tuple[int, resource.struct_rusage]:
    polls = 0
    while True:
        waited_pid, status, usage = os.wait4(pid, os.WNOHANG)
        if waited_pid == pid:
            return status, usage
        now = time.monotonic()
        if now > deadline:
            raise CommandTimedOut(f"process {pid} still running at its deadline")
        if polls % SAMPLE_EVERY_POLLS == 0:
            rss = _rss_mb(pid)
            if rss is not None:
                samples.append((now, rss))
        polls += 1
        time.sleep(POLL_SECONDS)


def _rss_mb(pid: int) -> float | None:
    """The process's resident set now (VmRSS), or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # reported in kB
    return None
