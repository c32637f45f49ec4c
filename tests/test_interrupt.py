"""Ctrl-C in the middle of a run loses nothing already checked and marks the run interrupted."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web import TestWeb


def count(db: Path, query: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            value: int = connection.execute(query).fetchone()[0]
            return value
    except sqlite3.OperationalError:  # the schema is still being created
        return 0


def wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)
    return False


# SIGTERM is how a cancelled CI job, systemd or `timeout` stops a run: it must end
# it as Ctrl-C does, not kill it with the run row left "running".
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_keeps_every_finished_check(
    workdir: Path, live_web: TestWeb, stop: signal.Signals
) -> None:
    fast = [live_web.url(f"/page/p{n}") for n in range(10)]
    slow = [live_web.url(f"/slow/{20 + n}") for n in range(3)]
    (workdir / "a.md").write_text("\n".join(f"<{url}>" for url in fast + slow) + "\n")
    db = workdir / "linkcheck.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "linkcheck", "check", "a.md", "--timeout", "60", "--retries", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(lambda: count(db, "select count(*) from checks") >= 10, 30)
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert count(db, "select count(*) from checks") == 10
    assert count(db, "select count(*) from runs where status = 'interrupted'") == 1
