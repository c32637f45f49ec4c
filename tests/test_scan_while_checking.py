"""A run checks the first documents' links while it is still reading the rest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_interrupt import wait_until
from tests.web import TestWeb


def test_checking_starts_before_the_last_input_is_read(workdir: Path, live_web: TestWeb) -> None:
    """Standard input stays open until the first file's link has been requested: a run
    that read every input before its first request would never get there."""
    (workdir / "first.md").write_text(f"<{live_web.url('/page/first')}>\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "linkcheck", "check", "first.md", "-", "--format", "json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        requested = wait_until(lambda: live_web.requests_per_path["/page/first"] >= 1, 30)
        stdout, stderr = process.communicate(f"See {live_web.url('/page/later')}\n", timeout=60)
    finally:
        process.kill()
    assert requested, "no request before the last input was read"
    assert process.returncode == 0, stderr
    report = json.loads(stdout)
    assert sorted(link["url"] for link in report["links"]) == [
        live_web.url("/page/first"),
        live_web.url("/page/later"),
    ]
    assert report["summary"]["documents"] == 2
