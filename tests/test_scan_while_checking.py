"""A run checks the first documents' links while it is still reading the rest."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck import pipeline
from linkcheck.cli import app
from linkcheck.config import load_settings
from linkcheck.errors import InputError
from linkcheck.store import Store
from linkcheck.types import ChecksPlanned, Event, InputSkipped, LinkChecked, RunStatus
from tests.test_interrupt import count, wait_until
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


async def test_a_url_cited_in_several_batches_is_planned_and_checked_once(
    tmp_path: Path, web: TestWeb
) -> None:
    """Eight documents are stored in batches of 1, 2, 4 and 1, all citing one shared page:
    it is checked once, and the planned total grows to the number of distinct links."""
    for n in range(8):
        (tmp_path / f"d{n}.md").write_text(
            f"<{web.url('/page/shared')}>\n<{web.url(f'/page/own{n}')}>\n"
        )
    settings = load_settings({"retries": 0}, env={}, cwd=tmp_path)
    events: list[Event] = []
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        outcome = await pipeline.check(store, [str(tmp_path)], settings, on_event=events.append)
    planned = [event for event in events if isinstance(event, ChecksPlanned)]
    assert [event.final for event in planned] == [False] * (len(planned) - 1) + [True]
    totals = [event.total for event in planned]
    assert totals == sorted(totals) and totals[-1] == 9
    assert len(planned) == 5  # one per batch, then the final one
    assert sum(isinstance(event, LinkChecked) for event in events) == 9
    assert web.requests_per_path["/page/shared"] == 1
    assert outcome.summary.total == 9 and outcome.scan.stats.added == 8


def test_ctrl_c_while_standard_input_is_still_open_ends_the_run(
    workdir: Path, live_web: TestWeb
) -> None:
    """The scan waits on standard input that a producer keeps open: one Ctrl-C ends the run
    all the same (no waiting for the input's end, no crash of a thread stuck reading it)."""
    (workdir / "first.md").write_text(f"<{live_web.url('/page/first')}>\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "linkcheck", "check", "first.md", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdin is not None
        process.stdin.write(f"See {live_web.url('/page/later')}\n")  # more is still to come
        process.stdin.flush()
        assert wait_until(
            lambda: count(workdir / "linkcheck.db", "select count(*) from checks") >= 1, 30
        )
        process.send_signal(signal.SIGINT)
        ended = wait_until(lambda: process.poll() is not None, 20)
        _, stderr = process.communicate(timeout=30)  # closes standard input if still needed
    finally:
        process.kill()
    assert ended, "the run waited for the end of standard input"
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Fatal" not in stderr and "Traceback" not in stderr
    db = workdir / "linkcheck.db"
    assert count(db, "select count(*) from runs where status = 'interrupted'") == 1
    assert live_web.requests_per_path["/page/later"] == 0
