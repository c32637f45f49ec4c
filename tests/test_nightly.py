"""Nightly runs: killed runs resume without re-checking, and runs never overlap."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from linkcheck.cli import app
from tests.web import TestWeb

runner = CliRunner()


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def checks_written(db: Path) -> int:
    rows = query(db, "select count(*) from checks")
    return int(str(rows[0][0])) if rows else 0


def start_check(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "linkcheck", "check", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def corpus(workdir: Path, web: TestWeb, fast: int, hanging: int) -> list[str]:
    urls = [web.url(f"/page/p{n}") for n in range(fast)]
    urls += [web.url(f"/hang-once/h{n}") for n in range(hanging)]
    (workdir / "links.md").write_text("\n".join(f"<{url}>" for url in urls) + "\n")
    return urls


def test_a_killed_run_resumes_and_checks_every_link_exactly_once(
    workdir: Path, live_web: TestWeb
) -> None:
    urls = corpus(workdir, live_web, fast=20, hanging=4)
    db = workdir / "linkcheck.db"
    process = start_check("links.md", "--timeout", "120", "--retries", "0")
    try:
        assert wait_until(lambda: checks_written(db) >= 20, 30)
        process.send_signal(signal.SIGKILL)  # no chance to clean up
        process.wait(timeout=10)
    finally:
        process.kill()
    assert query(db, "select status from runs") == [("running",)]  # as the kill left it

    resumed = runner.invoke(app, ["check", "--resume", "--format", "json"])
    assert resumed.exit_code == 0, resumed.output

    per_link = query(
        db, "select l.url, count(*) from checks c join links l on l.id = c.link_id group by l.url"
    )
    assert sorted(url for url, _ in per_link) == sorted(urls)
    assert {count for _, count in per_link} == {1}
    assert query(db, "select id, status from runs") == [(1, "completed")]
    # the hanging pages were asked twice: once by the killed run, once by the resumed one
    assert live_web.requests_per_path["/hang-once/h0"] == 2
    assert live_web.requests_per_path["/page/p0"] == 1


def test_nothing_to_resume_is_a_usage_error(workdir: Path) -> None:
    result = runner.invoke(app, ["check", "--resume"])
    assert result.exit_code == 2
    assert "nothing to resume" in result.stderr


def test_a_second_run_refuses_while_one_is_running(workdir: Path, live_web: TestWeb) -> None:
    corpus(workdir, live_web, fast=2, hanging=1)
    db = workdir / "linkcheck.db"
    first = start_check("links.md", "--timeout", "3", "--retries", "0")
    try:
        assert wait_until(lambda: checks_written(db) >= 2, 30)
        second = runner.invoke(app, ["check", "links.md"])
        assert second.exit_code == 3, second.output
        assert "--wait" in second.stderr
        waited = runner.invoke(app, ["check", "links.md", "--wait", "30s"])
        assert waited.exit_code == 0, waited.output
        assert first.wait(timeout=30) == 0
    finally:
        first.kill()
    assert query(db, "select status from runs order by id") == [("completed",), ("completed",)]


def test_report_changes_db_stats_and_prune_from_the_command_line(
    workdir: Path, live_web: TestWeb
) -> None:
    live_web.statuses["gone"] = 404
    gone, fine = live_web.url("/switch/gone"), live_web.url("/ok")
    (workdir / "links.md").write_text(f"<{gone}>\n<{fine}>\n")
    for _ in range(3):
        runner.invoke(app, ["check", "links.md"])

    changes = runner.invoke(app, ["report", "--changes", "--run", "1"])
    assert changes.exit_code == 0, changes.output
    assert "Newly failing (1)" in changes.stdout and gone in changes.stdout
    latest = runner.invoke(app, ["report", "--changes"])
    assert "No changes" in latest.stdout  # the transition is reported once, in run 1

    stats = runner.invoke(app, ["db", "stats", "--format", "json"])
    assert stats.exit_code == 0, stats.output
    figures = json.loads(stats.stdout)
    assert (figures["links"], figures["checks"], figures["runs"]) == (2, 6, 3)
    assert figures["links_by_state"] == {"failing": 1, "alive": 1}
    # Why a run stopped short has one name everywhere ("error" counts error links).
    assert "stopped_by" in figures["latest_run"] and "error" not in figures["latest_run"]

    pruned = runner.invoke(app, ["db", "prune", "--keep", "1"])
    assert pruned.exit_code == 0, pruned.output
    assert "deleted" in pruned.stdout
    # each link keeps its first check (a change of state) and its latest one
    remaining = query(workdir / "linkcheck.db", "select count(*) from checks")
    assert remaining == [(4,)]


def test_report_since_and_state_filters(workdir: Path, live_web: TestWeb) -> None:
    live_web.statuses["gone"] = 404
    gone, fine = live_web.url("/switch/gone"), live_web.url("/ok")
    (workdir / "one.md").write_text(f"<{gone}>\n")
    (workdir / "two.md").write_text(f"<{fine}>\n")
    assert runner.invoke(app, ["check", "one.md"]).exit_code == 1
    assert runner.invoke(app, ["check", "two.md"]).exit_code == 0

    latest = json.loads(runner.invoke(app, ["report", "--format", "json"]).stdout)
    assert [link["url"] for link in latest["links"]] == [fine]  # the latest run only

    both = runner.invoke(app, ["report", "--since", "1d", "--format", "json"])
    assert both.exit_code == 0, both.output
    assert sorted(link["url"] for link in json.loads(both.stdout)["links"]) == sorted([gone, fine])

    future = runner.invoke(app, ["report", "--since", "2999-01-01", "--format", "json"])
    assert json.loads(future.stdout)["links"] == []

    failing = runner.invoke(app, ["report", "--since", "1d", "--state", "failing", "-f", "json"])
    assert [link["url"] for link in json.loads(failing.stdout)["links"]] == [gone]

    bad = runner.invoke(app, ["report", "--state", "zombie"])
    assert bad.exit_code == 2 and "zombie" in bad.stderr


def test_limit_and_budget_bound_a_nights_work(workdir: Path, live_web: TestWeb) -> None:
    corpus(workdir, live_web, fast=6, hanging=0)
    limited = runner.invoke(app, ["check", "links.md", "--limit", "4", "--max-age", "7d"])
    assert limited.exit_code == 0, limited.output
    db = workdir / "linkcheck.db"
    assert query(db, "select count(*) from checks") == [(4,)]
    rest = runner.invoke(app, ["check", "links.md", "--max-age", "7d"])
    assert rest.exit_code == 0
    assert query(db, "select count(*) from checks") == [(6,)]  # only the two left were due

    (workdir / "slow.md").write_text(f"<{live_web.url('/hang-once/budget')}>\n")
    started = time.monotonic()
    budgeted = runner.invoke(app, ["check", "slow.md", "--budget", "1s", "--timeout", "30"])
    assert time.monotonic() - started < 20
    assert budgeted.exit_code == 0, budgeted.output
    assert "time budget used up: 1 link left" in budgeted.stderr
    # The run completed, and says it stopped short: the morning report does not pass it off
    # as a whole night.
    assert query(db, "select status, error from runs order by id desc limit 1") == [
        ("completed", "time budget used up: 1 link left for the next run")
    ]
    report = runner.invoke(app, ["report"])
    assert "Stopped by: time budget used up: 1 link left" in report.stdout


def test_exclude_private_refuses_loopback_targets(workdir: Path, live_web: TestWeb) -> None:
    (workdir / "a.md").write_text(f"<{live_web.url('/ok')}>\n")
    result = runner.invoke(app, ["check", "a.md", "--exclude-private", "--format", "json"])
    assert result.exit_code == 0, result.output
    [link] = json.loads(result.stdout)["links"]
    assert (link["verdict"], link["error_kind"]) == ("skipped", "private_address")
    assert live_web.requests_per_path["/ok"] == 0


def test_a_known_dead_citation_fails_every_run_until_it_is_due_again(
    workdir: Path, live_web: TestWeb
) -> None:
    # CI with a kept database and --max-age: the confirmed-dead link waits days for
    # its next check, yet a run over documents that still cite it must fail.
    (workdir / "linkcheck.toml").write_text("confirm-checks = 1\nconfirm-days = 0\n")
    dead, alive = live_web.url("/status/404"), live_web.url("/page/fine")
    (workdir / "a.md").write_text(f"<{dead}>\n<{alive}>\n")
    options = ["--max-age", "1d", "--format", "json"]
    first = runner.invoke(app, ["check", "a.md", *options])
    assert first.exit_code == 1, first.output
    (workdir / "pr.md").write_text(f"A new citation of <{dead}>\n")
    again = runner.invoke(app, ["check", "a.md", "pr.md", *options])
    assert again.exit_code == 1, again.output
    assert live_web.requests_per_path["/status/404"] == 1  # not due: not asked again
    [link] = json.loads(again.stdout)["links"]  # the alive one is neither due nor failing
    assert (link["url"], link["verdict"], link["state"]) == (dead, "dead", "dead")
    assert {c["document"] for c in link["citations"]} == {"a.md", "pr.md"}
    # Once nothing cites it, it no longer fails the run.
    (workdir / "a.md").write_text(f"<{alive}>\n")
    fixed = runner.invoke(app, ["check", "a.md", *options])
    assert fixed.exit_code == 0, fixed.output


def test_report_current_shows_the_collection_after_an_incremental_night(
    workdir: Path, live_web: TestWeb
) -> None:
    dead, alive = live_web.url("/status/404"), live_web.url("/page/fine")
    (workdir / "a.md").write_text(f"<{dead}>\n<{alive}>\n")
    runner.invoke(app, ["check", "a.md"])
    (workdir / "b.md").write_text(f"<{live_web.url('/page/new')}>\n")
    runner.invoke(app, ["check", "a.md", "b.md", "--max-age", "7d"])  # checks only the new link
    latest = json.loads(runner.invoke(app, ["report", "--format", "json"]).stdout)
    current = json.loads(runner.invoke(app, ["report", "--current", "--format", "json"]).stdout)
    # The failing link is due every night; the good one is not due for a week.
    assert {link["url"] for link in latest["links"]} == {dead, live_web.url("/page/new")}
    assert {link["url"]: link["verdict"] for link in current["links"]} == {
        dead: "dead",
        alive: "alive",
        live_web.url("/page/new"): "alive",
    }


def test_report_current_lists_links_no_run_has_checked_yet(
    workdir: Path, live_web: TestWeb
) -> None:
    urls = [live_web.url(f"/page/{n}") for n in range(5)]
    (workdir / "a.md").write_text("".join(f"<{url}>\n" for url in urls))
    assert runner.invoke(app, ["check", "a.md", "--max-age", "1d", "--limit", "2"]).exit_code == 0
    current = json.loads(runner.invoke(app, ["report", "--current", "--format", "json"]).stdout)
    verdicts = {link["url"]: link["verdict"] for link in current["links"]}
    assert set(verdicts) == set(urls)  # the whole collection, not only what was checked
    assert Counter(verdicts.values()) == {"alive": 2, None: 3}
    assert current["summary"]["links"] == 5
    text = runner.invoke(app, ["report", "--current", "--all"]).stdout
    assert "5 links" in text and "unchecked" in text.lower()
    html = runner.invoke(app, ["report", "--current", "--format", "html"]).stdout
    assert "No dead sources among the 2 links checked. 3 links not checked yet." in html


def test_history_shows_when_a_source_died(workdir: Path, live_web: TestWeb) -> None:
    (workdir / "linkcheck.toml").write_text("confirm-checks = 2\nconfirm-days = 0\n")
    gone = live_web.url("/status/404")
    (workdir / "a.md").write_text(f"<{gone}>\n")
    for _ in range(2):
        runner.invoke(app, ["check", "a.md"])
    text = runner.invoke(app, ["history", gone])
    assert text.exit_code == 0, text.output
    assert "state: dead (confirmed" in text.stdout
    as_json = json.loads(runner.invoke(app, ["history", gone, "--format", "json"]).stdout)
    assert [check["state"] for check in as_json["checks"]] == ["failing", "dead"]
    assert as_json["state"] == "dead" and as_json["confirmed_dead_at"] is not None
    assert as_json["first_failed_at"] == as_json["checks"][0]["checked_at"]


def test_a_known_failure_the_user_now_excludes_no_longer_fails_the_run(
    workdir: Path, live_web: TestWeb
) -> None:
    (workdir / "linkcheck.toml").write_text("confirm-checks = 1\nconfirm-days = 0\n")
    (workdir / "a.md").write_text(f"<{live_web.url('/status/404')}>\n")
    assert runner.invoke(app, ["check", "a.md", "--max-age", "1d"]).exit_code == 1
    # Not due for a week, so not checked (and skipped) again: the exclusion still applies.
    excluded = runner.invoke(app, ["check", "a.md", "--max-age", "1d", "--exclude", "/status/"])
    assert excluded.exit_code == 0, excluded.output
