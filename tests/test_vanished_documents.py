"""A deleted or renamed document stops citing its links (its file is gone, so is it)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from tests.web import TestWeb

runner = CliRunner()


def cited_in(report: str, url: str) -> set[str]:
    [link] = [link for link in json.loads(report)["links"] if link["url"] == url]
    return {citation["document"] for citation in link["citations"]}


def test_a_renamed_then_deleted_document_no_longer_cites(workdir: Path, live_web: TestWeb) -> None:
    dead = live_web.url("/status/404")
    docs = workdir / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(f"<{dead}>\n")
    (docs / "b.md").write_text(f"See <{dead}>\n")
    first = runner.invoke(app, ["check", "docs", "--format", "json"])
    assert cited_in(first.stdout, dead) == {"docs/a.md", "docs/b.md"}

    (docs / "b.md").rename(docs / "renamed.md")
    renamed = runner.invoke(app, ["check", "docs", "--format", "json"])
    assert cited_in(renamed.stdout, dead) == {"docs/a.md", "docs/renamed.md"}
    assert "forgot 1 stored document whose file is gone: docs/b.md" in renamed.stderr

    (docs / "renamed.md").unlink()
    scanned = runner.invoke(app, ["scan", "docs"])
    assert "1 gone" in scanned.stdout
    report = runner.invoke(app, ["check", "docs", "--format", "json"])
    assert cited_in(report.stdout, dead) == {"docs/a.md"}


def test_only_files_that_are_gone_are_forgotten(workdir: Path) -> None:
    docs = workdir / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("https://example.org/a\n")
    (docs / "notes.txt").write_text("https://example.org/n\n")
    (docs / "b.md").write_text("https://example.org/b\n")
    assert runner.invoke(app, ["scan", "docs"]).exit_code == 0
    (docs / "b.md").write_bytes(b"\x00binary now")  # skipped, but still there
    # Another reading of the folder (only .md), and a scan of one file: neither
    # says anything about the files it does not read.
    kept = runner.invoke(app, ["scan", "docs", "--extensions", "md"])
    assert "gone" not in kept.stdout, kept.output
    (docs / "a.md").unlink()
    one_file = runner.invoke(app, ["scan", "docs/notes.txt"])
    assert "gone" not in one_file.stdout, one_file.output
    whole = runner.invoke(app, ["scan", "."])  # the working directory holds docs/
    assert "1 gone" in whole.stdout, whole.output


def test_a_scan_from_a_subfolder_keeps_the_rest_of_the_collection(workdir: Path) -> None:
    # The same linkcheck.toml (found upward) and database, scanned from blog/: names
    # are relative to each scan's directory, but a document's location is not.
    (workdir / "linkcheck.toml").write_text('db = "sqlite:///links.db"\n')
    (workdir / "CHANGELOG.md").write_text("https://example.org/changes\n")
    (workdir / "blog").mkdir()
    (workdir / "blog" / "README.md").write_text("https://example.org/blog\n")
    assert runner.invoke(app, ["scan", "."]).exit_code == 0
    os.chdir(workdir / "blog")
    inside = runner.invoke(app, ["scan", "."])
    assert inside.exit_code == 0, inside.output
    assert "gone" not in inside.stdout and "forgot" not in inside.stderr
    os.chdir(workdir)
    root = runner.invoke(app, ["scan", "."])
    assert "2 unchanged" in root.stdout, root.output  # both documents, each once


def test_a_renamed_folder_stops_citing_under_its_old_name(workdir: Path) -> None:
    (workdir / "docs" / "guides").mkdir(parents=True)
    (workdir / "docs" / "guides" / "g.md").write_text("https://example.org/g\n")
    assert runner.invoke(app, ["scan", "docs"]).exit_code == 0
    (workdir / "docs" / "guides").rename(workdir / "docs" / "howto")
    moved = runner.invoke(app, ["scan", "docs"])
    assert "1 new" in moved.stdout and "1 gone" in moved.stdout, moved.output


def test_a_folder_reached_through_a_symlink_and_dots_is_where_it_really_is(
    workdir: Path,
) -> None:
    (workdir / "elsewhere" / "inner").mkdir(parents=True)
    (workdir / "elsewhere" / "a.md").write_text("https://example.org/a\n")
    (workdir / "proj").mkdir()
    (workdir / "proj" / "sym").symlink_to(workdir / "elsewhere" / "inner")
    os.chdir(workdir / "proj")
    # sym/.. is elsewhere/, not proj/: nothing just read may be taken for gone.
    for expected in ("1 new", "1 unchanged"):
        scanned = runner.invoke(app, ["scan", "sym/.."])
        assert expected in scanned.stdout and "gone" not in scanned.stdout, scanned.output


def test_a_folder_where_nothing_was_read_keeps_its_documents(workdir: Path) -> None:
    # An unmounted share looks like an empty folder: that is no proof of deletion.
    (workdir / "share").mkdir()
    (workdir / "share" / "a.md").write_text("https://example.org/a\n")
    assert runner.invoke(app, ["scan", "share"]).exit_code == 0
    (workdir / "share" / "a.md").unlink()
    empty = runner.invoke(app, ["scan", "share"])
    assert "gone" not in empty.stdout, empty.output
    assert "nothing was read under share" in empty.stderr


def test_a_document_stored_before_locations_gets_one_when_read_unchanged(
    workdir: Path,
) -> None:
    (workdir / "docs").mkdir()
    for name in ("a.md", "b.md"):
        (workdir / "docs" / name).write_text(f"https://example.org/{name}\n")
    assert runner.invoke(app, ["scan", "docs"]).exit_code == 0
    with sqlite3.connect(workdir / "linkcheck.db") as connection:  # as before revision 0005
        connection.execute("update documents set location = null")
    assert "2 unchanged" in runner.invoke(app, ["scan", "docs"]).stdout
    (workdir / "docs" / "b.md").unlink()
    gone = runner.invoke(app, ["scan", "docs"])
    assert "1 gone" in gone.stdout, gone.output


def test_report_current_leaves_out_links_no_document_cites_any_more(
    workdir: Path, live_web: TestWeb
) -> None:
    kept, dropped = live_web.url("/page/kept"), live_web.url("/page/dropped")
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(f"<{kept}>\n")
    (workdir / "docs" / "b.md").write_text(f"<{dropped}>\n")
    assert runner.invoke(app, ["check", "docs"]).exit_code == 0
    (workdir / "docs" / "b.md").unlink()
    assert "1 gone" in runner.invoke(app, ["scan", "docs"]).stdout
    current = runner.invoke(app, ["report", "--current", "--format", "json"])
    assert [link["url"] for link in json.loads(current.stdout)["links"]] == [kept]


def test_a_report_of_an_older_run_still_shows_links_whose_documents_are_gone(
    workdir: Path, live_web: TestWeb
) -> None:
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(f"<{live_web.url('/status/404')}>\n")
    (workdir / "docs" / "b.md").write_text(f"<{live_web.url('/status/410')}>\n")
    assert runner.invoke(app, ["check", "docs"]).exit_code == 1
    (workdir / "docs" / "b.md").unlink()
    assert runner.invoke(app, ["scan", "docs"]).exit_code == 0  # b.md is forgotten

    text = runner.invoke(app, ["report", "--run", "1"]).stdout
    assert "cited in no stored document now" in text
    junit = runner.invoke(app, ["report", "--run", "1", "--format", "junit"]).stdout
    assert '<testsuites name="linkcheck report" tests="2" failures="2"' in junit
    assert "no stored document cites these now" in junit
    sarif = json.loads(runner.invoke(app, ["report", "--run", "1", "--format", "sarif"]).stdout)
    assert len(sarif["runs"][0]["results"]) == 2
    github = runner.invoke(app, ["report", "--run", "1", "--format", "github"]).stdout
    assert github.count("::error ") == 2


def test_a_file_name_that_is_not_utf8_is_read_stored_and_forgotten(
    workdir: Path, live_web: TestWeb
) -> None:
    (workdir / "docs").mkdir()
    (workdir / "docs" / "ok.md").write_text(f"<{live_web.url('/ok')}>\n")
    odd = workdir / "docs" / os.fsdecode(b"caf\xe9.md")  # a Latin-1 name
    odd.write_text(f"<{live_web.url('/status/404')}>\n")
    first = runner.invoke(app, ["check", "docs"])
    assert first.exit_code == 1, first.output  # the dead link, not a crash
    assert "docs/caf\\xe9.md:1" in first.stdout
    again = runner.invoke(app, ["scan", "docs"])
    assert again.exit_code == 0 and "2 unchanged" in again.stdout
    odd.unlink()
    gone = runner.invoke(app, ["check", "docs"])
    assert gone.exit_code == 0, gone.output
    assert "caf\\xe9.md" in gone.stderr  # named as forgotten


def test_a_document_stored_twice_before_it_was_located_is_merged(
    workdir: Path, live_web: TestWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An old database (no locations) scanned first from another working directory:
    the file got a second, located row; the scan from the old place merges them."""
    (workdir / "site" / "docs").mkdir(parents=True)
    (workdir / "site" / "docs" / "a.md").write_text(f"<{live_web.url('/page/a')}>\n")
    db = f"sqlite:///{workdir / 'l.db'}"
    monkeypatch.chdir(workdir / "site")
    assert runner.invoke(app, ["scan", "docs", "--db", db]).exit_code == 0
    with sqlite3.connect(workdir / "l.db") as connection:  # as before revision 0005
        connection.execute("update documents set location = null")
    monkeypatch.chdir(workdir)
    assert runner.invoke(app, ["scan", "site/docs", "--db", db]).exit_code == 0
    monkeypatch.chdir(workdir / "site")
    assert runner.invoke(app, ["scan", "docs", "--db", db]).exit_code == 0
    with sqlite3.connect(workdir / "l.db") as connection:
        assert connection.execute("select path from documents").fetchall() == [("docs/a.md",)]
        assert connection.execute("select count(*) from citations").fetchall() == [(1,)]


def test_a_file_with_a_name_that_is_not_utf8_is_kept_when_a_scan_does_not_read_it(
    workdir: Path,
) -> None:
    (workdir / "docs").mkdir()
    (workdir / "docs" / os.fsdecode(b"caf\xe9.md")).write_text("https://example.org/a\n")
    (workdir / "docs" / "notes.txt").write_text("https://example.org/b\n")
    assert runner.invoke(app, ["scan", "docs"]).exit_code == 0
    other = runner.invoke(app, ["scan", "docs", "--extensions", "txt"])  # reads notes.txt only
    assert "gone" not in other.stdout, other.output
    with sqlite3.connect(workdir / "linkcheck.db") as connection:
        assert len(connection.execute("select id from documents").fetchall()) == 2


def test_a_document_in_a_folder_whose_name_is_not_utf8_is_forgotten_when_deleted(
    workdir: Path,
) -> None:
    folder = workdir / os.fsdecode(b"r\xe9sum\xe9s")
    folder.mkdir()
    for name in ("a.md", "b.md"):
        (folder / name).write_text(f"https://example.org/{name}\n")
    assert runner.invoke(app, ["scan", folder.name]).exit_code == 0
    (folder / "b.md").unlink()
    again = runner.invoke(app, ["scan", folder.name])
    assert "1 gone" in again.stdout, again.output
