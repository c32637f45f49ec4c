"""A run checks the first documents' links while it is still reading the rest."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck import pipeline
from linkcheck.cli import app
from linkcheck.config import load_settings
from linkcheck.errors import InputError
from linkcheck.store import Store
from linkcheck.types import Event, InputSkipped, RunStatus
from tests.test_interrupt import wait_until
from tests.web import TestWeb

runner = CliRunner()


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


# --------------------------------------------------------------------------- in-process runs


@pytest.fixture
async def web() -> AsyncIterator[TestWeb]:
    server = TestWeb(hosts=("127.0.0.1",))
    await server.start()
    yield server
    await server.close()


def scanning_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "linkcheck-scan" and t.is_alive()]


async def wait_for(condition: Callable[[], bool]) -> None:
    for _ in range(3000):  # bounded: 30 s at most
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never came true")


async def test_a_cancelled_run_ends_its_scanning_thread(tmp_path: Path, web: TestWeb) -> None:
    """Even when the checker holds more links than it can take (one slow host, a document
    citing thousands of its pages), cancelling the run stops the scan before it returns."""
    many = tmp_path / "a-many.md"
    many.write_text("".join(f"<{web.url('/slow/30')}?n={n}>\n" for n in range(2000)))
    (tmp_path / "b-more.md").write_text(f"<{web.url('/page/more')}>\n")
    settings = load_settings({"concurrency": 1, "retries": 0}, env={}, cwd=tmp_path)
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        run = asyncio.ensure_future(pipeline.check(store, [str(tmp_path)], settings))
        await wait_for(lambda: web.requests_per_path["/slow/30"] >= 1)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        assert scanning_threads() == []
        assert [r.status for r in store.runs()] == [RunStatus.INTERRUPTED]


def test_a_budgeted_night_checks_new_links_before_old_failing_ones(
    workdir: Path, live_web: TestWeb
) -> None:
    """A night with ``--budget`` works in priority order over the whole collection: a new
    document's links come before links that failed on earlier nights, however early in the
    collection those are cited (else a failing corner would starve new documents night
    after night)."""
    (workdir / "a-old.md").write_text(f"<{live_web.url('/slow/5')}>\n")
    first = runner.invoke(app, ["check", "a-old.md", "--timeout", "1", "--retries", "0"])
    assert first.exit_code == 0, first.output  # an error verdict (a timeout): due every night
    (workdir / "z-new.md").write_text(f"<{live_web.url('/page/new')}>\n")
    options = ["--max-age", "7d", "--budget", "1s", "--timeout", "30", "--retries", "0"]
    night = runner.invoke(app, ["check", "a-old.md", "z-new.md", *options, "--concurrency", "1"])
    assert night.exit_code == 0, night.output
    assert "time budget used up" in night.stderr
    assert live_web.requests_per_path["/page/new"] == 1


async def test_inputs_that_are_all_unreadable_stop_the_run_before_it_plans_checks(
    tmp_path: Path,
) -> None:
    """As when the scan came first: the run fails with the input error and announces no
    number of links to check ("checking 0 links" would precede the error in a log)."""
    (tmp_path / "blob.md").write_bytes(b"abc\x00\xff\xfe")
    settings = load_settings({}, env={}, cwd=tmp_path)
    events: list[Event] = []
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        with pytest.raises(InputError, match="none of the inputs could be read as text"):
            await pipeline.check(
                store, [str(tmp_path / "blob.md")], settings, on_event=events.append
            )
        assert [r.status for r in store.runs()] == [RunStatus.FAILED]
    assert [type(event) for event in events] == [InputSkipped]
