"""Run one command as a child process and measure what it cost.

Wall time from start to exit; CPU time (user + system) and peak resident memory
from ``os.wait4``, which reports on exactly that child (and any children it
waited for), so neither the benchmark's own process nor the local web server is
counted.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.005


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one run of a command cost."""

    exit_code: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float


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
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, env=env)
        try:
            status, usage = _wait_with_deadline(process.pid, started + timeout_seconds)
        except BaseException:
            process.kill()
            os.wait4(process.pid, 0)
            process.returncode = -9
            raise
        wall = time.perf_counter() - started
    # wait4 reaped the child; tell Popen so it does not try again.
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(
        exit_code=process.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        # Linux reports ru_maxrss in kilobytes.
        peak_rss_mb=usage.ru_maxrss / 1024,
    )


def _wait_with_deadline(pid: int, deadline: float) -> tuple[int, resource.struct_rusage]:
    while True:
        waited_pid, status, usage = os.wait4(pid, os.WNOHANG)
        if waited_pid == pid:
            return status, usage
        if time.perf_counter() > deadline:
            raise CommandTimedOut(f"process {pid} still running at its deadline")
        time.sleep(POLL_SECONDS)
