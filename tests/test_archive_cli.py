"""``check --archive`` and ``linkcheck archive`` end to end, against the fake Wayback Machine."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from tests.conftest import BackgroundLoop
from tests.wayback import ACCESS_KEY, NOT_FOUND_PAGE, SECRET_KEY, FakeArchive, SaveScript
from tests.web import TestWeb

runner = CliRunner()


@pytest.fixture
def fake_archive(
    workdir: Path, background: BackgroundLoop, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeArchive]:
    archive = FakeArchive()
    background.run(archive.__aenter__())
    monkeypatch.setenv("LINKCHECK_WAYBACK_URL", archive.base_url)
    # Fast pacing and short timeouts keep the tests quick; the pacing itself is
    # proven in tests/archive on a fake clock.
    monkeypatch.setenv("LINKCHECK_ARCHIVE_RATE", "100")
    monkeypatch.setenv("LINKCHECK_ARCHIVE_TIMEOUT", "1")
    monkeypatch.setenv("LINKCHECK_SAVE_POLL_INTERVAL", "0.05")
    yield archive
    background.run(archive.go_down())


@pytest.fixture
def dead_citation(workdir: Path, live_web: TestWeb) -> str:
    """An article cited on 2024-05-01 that cites a page now gone."""
    dead = live_web.url("/status/404")
    own = live_web.url("/news/2024/05/01/story")
    (workdir / "story.txt").write_text(f"Text.\n\nOriginal url:\n{own}\n\n{dead}\n")
    return dead


def rows(query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect("linkcheck.db") as connection:
        return connection.execute(query).fetchall()


def links_by_url(output: str) -> dict[str, dict[str, object]]:
    return {link["url"]: link for link in json.loads(output)["links"]}


def test_check_archive_finds_the_capture_before_the_citation(
    fake_archive: FakeArchive, dead_citation: str
) -> None:
    fake_archive.add(dead_citation, "20230101000000")
    fake_archive.add(dead_citation, "20240420000000", status="404")
    fake_archive.add(dead_citation, "20240425000000", body=NOT_FOUND_PAGE)
    fake_archive.add(dead_citation, "20250101000000")
    result = runner.invoke(app, ["check", ".", "--archive", "--format", "json"])
    assert result.exit_code == 1, result.output
    dead = links_by_url(result.stdout)[dead_citation]
    assert dead["verdict"] == "dead"
    assert dead["archive_url"] == f"{fake_archive.base_url}/web/20230101000000/{dead_citation}"
    assert dead["archive_timestamp"] == "2023-01-01T00:00:00+00:00"
    assert dead["archive_direction"] == "before"


def test_text_summary_shows_the_archive_link_beside_the_dead_citation(
    fake_archive: FakeArchive, dead_citation: str
) -> None:
    fake_archive.add(dead_citation, "20250101000000")
    result = runner.invoke(app, ["check", ".", "--archive"])
    assert result.exit_code == 1
    assert f"{fake_archive.base_url}/web/20250101000000/{dead_citation}" in result.stdout
    assert "AFTER the citation" in result.stdout  # the only capture postdates the citation


def test_archive_does_not_repeat_stored_lookups_unless_refreshed(
    fake_archive: FakeArchive, dead_citation: str
) -> None:
    fake_archive.add(dead_citation, "20230101000000")
    assert runner.invoke(app, ["check", "."]).exit_code == 1
    first = runner.invoke(app, ["archive"])
    assert first.exit_code == 0, first.output
    asked = len(fake_archive.requests_to("/cdx"))
    assert asked >= 1
    again = runner.invoke(app, ["archive"])
    assert again.exit_code == 0
    assert len(fake_archive.requests_to("/cdx")) == asked
    refreshed = runner.invoke(app, ["archive", "--refresh"])
    assert refreshed.exit_code == 0
    assert len(fake_archive.requests_to("/cdx")) > asked
    assert rows("select count(*) from snapshots") == [(2,)]


def test_no_capture_at_all_is_recorded_too(fake_archive: FakeArchive, dead_citation: str) -> None:
    runner.invoke(app, ["check", ".", "--archive"])
    assert rows("select direction, archive_url, error from snapshots") == [("none", None, None)]


@pytest.mark.parametrize("trouble", ["down", "hanging", "429"])
def test_archive_trouble_never_changes_the_outcome_of_check(
    trouble: str, fake_archive: FakeArchive, dead_citation: str, background: BackgroundLoop
) -> None:
    if trouble == "down":
        background.run(fake_archive.go_down())
    elif trouble == "hanging":
        fake_archive.hanging = True
    else:
        fake_archive.always_429 = True
    result = runner.invoke(app, ["check", ".", "--archive", "--format", "json"])
    assert result.exit_code == 1, result.output  # the dead link decides, not the archive
    assert links_by_url(result.stdout)[dead_citation]["verdict"] == "dead"
    [(error,)] = rows("select error from snapshots")
    assert error  # the archive failure is recorded


def test_save_needs_credentials(
    fake_archive: FakeArchive, workdir: Path, live_web: TestWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINKCHECK_WAYBACK_ACCESS_KEY", raising=False)
    monkeypatch.delenv("LINKCHECK_WAYBACK_SECRET_KEY", raising=False)
    (workdir / "a.md").write_text(f"<{live_web.url('/ok')}>\n")
    assert runner.invoke(app, ["check", "."]).exit_code == 0
    result = runner.invoke(app, ["archive", "--save"])
    assert result.exit_code == 2  # a configuration problem
    assert "LINKCHECK_WAYBACK_ACCESS_KEY" in result.stderr


def test_save_captures_live_links_and_records_the_job(
    fake_archive: FakeArchive, workdir: Path, live_web: TestWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKCHECK_WAYBACK_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("LINKCHECK_WAYBACK_SECRET_KEY", SECRET_KEY)
    live = live_web.url("/ok")
    fake_archive.saves[live] = SaveScript(pending_polls=0)
    (workdir / "a.md").write_text(f"<{live}>\n")
    assert runner.invoke(app, ["check", "."]).exit_code == 0
    result = runner.invoke(app, ["archive", "--save"])
    assert result.exit_code == 0, result.output
    assert "1 success" in result.stdout
    assert rows("select status from saves") == [("success",)]
    assert SECRET_KEY not in result.output
    with sqlite3.connect("linkcheck.db") as connection:
        dump = "\n".join(connection.iterdump())
    assert SECRET_KEY not in dump and ACCESS_KEY not in dump


def test_the_save_cap_counts_the_saves_of_earlier_runs(
    fake_archive: FakeArchive, workdir: Path, live_web: TestWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKCHECK_WAYBACK_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("LINKCHECK_WAYBACK_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("LINKCHECK_SAVE_DAILY_CAP", "1")
    live = [live_web.url("/ok"), live_web.url("/page/second")]
    for url in live:
        fake_archive.saves[url] = SaveScript(pending_polls=0)
    (workdir / "a.md").write_text(f"<{live[0]}> <{live[1]}>\n")
    assert runner.invoke(app, ["check", "."]).exit_code == 0
    first = runner.invoke(app, ["archive", "--save"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["archive", "--save"])  # the same night: the cap is used up
    assert second.exit_code == 0, second.output
    posts = [request for request in fake_archive.seen if request.method == "POST"]
    assert len(posts) == 1
    # First run: one save, then the cap; second run: the cap for both links at once.
    statuses = [status for (status,) in rows("select status from saves order by id")]
    assert sorted(statuses[:2]) == ["retry_later", "success"]
    assert statuses[2:] == ["retry_later", "retry_later"]


def test_archive_command_fails_when_every_lookup_fails(
    fake_archive: FakeArchive, dead_citation: str, background: BackgroundLoop
) -> None:
    assert runner.invoke(app, ["check", "."]).exit_code == 1
    background.run(fake_archive.go_down())
    result = runner.invoke(app, ["archive"])
    assert result.exit_code == 3
    assert "every look-up failed" in result.stderr


def test_an_archive_address_that_is_no_capture_index_fails_and_is_asked_again(
    fake_archive: FakeArchive, dead_citation: str
) -> None:
    # What a wrong --wayback-url answers: a web page, not a capture index.
    fake_archive.answer_index_with(200, "<html><body>Welcome</body></html>", "text/html")
    assert runner.invoke(app, ["check", "."]).exit_code == 1
    first = runner.invoke(app, ["archive"])
    assert first.exit_code == 3
    assert "not a capture index" in first.stderr
    [(error,)] = rows("select error from snapshots")
    assert error and "not a capture index" in error  # not stored as "no copy"
    asked = len(fake_archive.requests_to("/cdx"))
    fake_archive.index_answer = None
    fake_archive.add(dead_citation, "20230101000000")
    again = runner.invoke(app, ["archive"])
    assert again.exit_code == 0, again.output
    assert len(fake_archive.requests_to("/cdx")) > asked
    assert f"/web/20230101000000/{dead_citation}" in again.stdout


def test_a_failed_lookup_is_reported_as_such_not_as_no_copy(
    fake_archive: FakeArchive, dead_citation: str, background: BackgroundLoop
) -> None:
    background.run(fake_archive.go_down())
    assert runner.invoke(app, ["check", ".", "--archive"]).exit_code == 1
    dead = links_by_url(runner.invoke(app, ["report", "--format", "json"]).stdout)[dead_citation]
    assert dead["archive_url"] is None
    assert dead["archive_direction"] is None  # nothing was found out, not "none"
    assert dead["archive_error"]
    markdown = runner.invoke(app, ["report", "--format", "markdown"]).stdout
    assert "look-up failed" in markdown and "none found" not in markdown
    html = runner.invoke(app, ["report", "--format", "html"]).stdout
    assert "Archive look-up failed" in html and "No archived copy found" not in html
    text = runner.invoke(app, ["report"]).stdout
    assert "archive look-up failed" in text


def test_a_failed_refresh_keeps_the_copy_found_before(
    fake_archive: FakeArchive, dead_citation: str, background: BackgroundLoop
) -> None:
    fake_archive.add(dead_citation, "20230101000000")
    found = f"{fake_archive.base_url}/web/20230101000000/{dead_citation}"
    assert runner.invoke(app, ["check", ".", "--archive"]).exit_code == 1
    background.run(fake_archive.go_down())
    assert runner.invoke(app, ["archive", "--refresh"]).exit_code == 3
    assert len(rows("select id from snapshots")) == 2  # the failure is kept too
    dead = links_by_url(runner.invoke(app, ["report", "--format", "json"]).stdout)[dead_citation]
    assert dead["archive_url"] == found
    assert dead["archive_direction"] == "before"
    assert dead["archive_error"] is None
    assert found in runner.invoke(app, ["history", dead_citation]).stdout


def test_archive_looks_up_a_known_dead_link_the_latest_incremental_run_did_not_check(
    fake_archive: FakeArchive, dead_citation: str, workdir: Path, background: BackgroundLoop
) -> None:
    (workdir / "linkcheck.toml").write_text("confirm-checks = 1\nconfirm-days = 0\n")
    background.run(fake_archive.go_down())
    assert runner.invoke(app, ["check", ".", "--max-age", "1d", "--archive"]).exit_code == 1
    background.run(fake_archive.__aenter__())  # the archive is back the next night
    fake_archive.add(dead_citation, "20230101000000")
    night = runner.invoke(app, ["check", ".", "--max-age", "1d"])
    assert night.exit_code == 1  # the dead link still fails, unchecked (not due for a week)
    looked = runner.invoke(app, ["archive"])
    assert looked.exit_code == 0, looked.output
    report = runner.invoke(app, ["report", "--current", "--format", "json"]).stdout
    assert links_by_url(report)[dead_citation]["archive_url"] == (
        f"{fake_archive.base_url}/web/20230101000000/{dead_citation}"
    )
