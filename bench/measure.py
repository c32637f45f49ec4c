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
SAMPLE_EVERY_POLLS = 10  # a sample every 50 ms
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Sample:
    """The child's resident memory and CPU time so far, at one moment."""

    at: float  # time.monotonic()
    rss_mb: float
    cpu_seconds: float


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one run of a command cost."""

    exit_code: int
    started_at: float  # time.monotonic() at the start
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    samples: tuple[Sample, ...]

    def peak_rss_between(self, start: float, end: float) -> float | None:
        """The highest sampled RSS in [start, end), if a sample fell there."""
        inside = [s.rss_mb for s in self.samples if start <= s.at < end]
        return max(inside, default=None)

    def cpu_between(self, start: float, end: float) -> float:
        """CPU seconds spent in [start, end), to the sampling interval.

        The process starts at zero CPU and ends at ``cpu_seconds``.
        """
        return self._cpu_at(end) - self._cpu_at(start)

    def _cpu_at(self, moment: float) -> float:
        if moment >= self.started_at + self.wall_seconds:
            return self.cpu_seconds
        before = [s.cpu_seconds for s in self.samples if s.at <= moment]
        return before[-1] if before else 0.0


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
        samples: list[Sample] = []
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
        samples=tuple(samples),
    )


def _wait_with_deadline(
    pid: int, deadline: float, samples: list[Sample]
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
            sample = _sample(pid, now)
            if sample is not None:
                samples.append(sample)
        polls += 1
        time.sleep(POLL_SECONDS)


def _sample(pid: int, now: float) -> Sample | None:
    """The process's resident set (VmRSS) and CPU time now, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    rss_kb = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None
    )
    # Fields after the command name (which may hold spaces) start at "state";
    # utime and stime are fields 14 and 15 of the whole line, in clock ticks.
    fields = stat.rpartition(")")[2].split()
    if rss_kb is None or len(fields) < 13:
        return None
    ticks = int(fields[11]) + int(fields[12])
    return Sample(now, rss_kb / 1024, ticks / CLOCK_TICKS)
