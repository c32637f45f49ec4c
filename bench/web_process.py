"""The benchmark's handle on the local web: start it, ask for its tallies, stop it.

The web runs in its own process (``bench/localweb.py``) so its CPU time is never
counted against a contender, and it is stopped on every way out of the
``with`` block: normal end, error, Ctrl-C.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

LOCALWEB = Path(__file__).resolve().parent / "localweb.py"
ANSWER_SECONDS = 30.0
STOP_SECONDS = 10.0


class LocalWebError(RuntimeError):
    """The local web did not start or did not answer."""


class LocalWeb:
    """A running local web of ``hosts`` loopback hosts answering after ``latency`` seconds."""

    def __init__(self, hosts: int, latency: float, max_seconds: float, engine: str) -> None:
        self._command = [
            sys.executable,
            str(LOCALWEB),
            f"--hosts={hosts}",
            f"--latency={latency}",
            f"--max-seconds={max_seconds}",
            f"--engine={engine}",
        ]
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> LocalWeb:
        self._process = subprocess.Popen(
            self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            self.port = int(self._answer()["port"])
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop()

    def take_tally(self) -> dict[str, Any]:
        """The server's figures since the last call (a fresh tally starts)."""
        self._send("stats")
        return self._answer()

    def _send(self, command: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()

    def _answer(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], ANSWER_SECONDS)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            raise LocalWebError(f"the local web did not answer: {' '.join(self._command)}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        try:
            if process.stdin is not None:
                process.stdin.close()  # the server stops when its stdin closes
            process.wait(STOP_SECONDS)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait(STOP_SECONDS)
        finally:
            if process.stdout is not None:
                process.stdout.close()
