"""The command line end to end: real files, a real SQLite database, the local test web."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from tests.web import TestWeb

SAMPLE = Path(__file__).parent / "extract" / "data" / "000_857d68463131b6a4.txt"
runner = CliRunner()


def article(own_url: str, related: list[str], body: str = "Some article text.") -> str:
    return "\n".join([body, "", "Original url:", own_url, "", *related, ""])


def db_rows(db: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(query).fetchall()


# --------------------------------------------------------------------------- extract


def test_extract_sample_lists_the_four_cited_urls(workdir: Path) -> None:
    result = runner.invoke(app, ["extract", str(SAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    citations = json.loads(result.stdout)
    urls = [c["url"] for c in citations]
    assert len(urls) == len(set(urls)) == 4
    original = [c for c in citations if c["role"] == "original"]
    assert len(original) == 1
    assert original[0]["url"].endswith("-deputy-fm-says-a89401")
    related = [c for c in citations if c["role"] == "related"]
    assert len(related) == 3
    assert [c["lines"] for c in related if len(c["lines"]) > 1] == [[52, 53]]
    assert {c["cited_at"] for c in citations} == {"2025-06-10"}
    titled = [c for c in related if c["title"]]
    assert len(titled) == 1 and titled[0]["url"].endswith("forum-of-the-future-in-moscow")


def test_extract_text_output_names_documents_roles_and_lines(workdir: Path) -> None:
    (workdir / "notes.md").write_text("See [the docs](https://docs.example.org/a).\n")
    result = runner.invoke(app, ["extract", "notes.md"])
    assert result.exit_code == 0, result.output
    assert "notes.md (markdown" in result.stdout
    assert "inline" in result.stdout and "https://docs.example.org/a" in result.stdout


def test_extract_missing_path_is_a_usage_error(workdir: Path) -> None:
    result = runner.invoke(app, ["extract", "no-such-file.txt"])
    assert result.exit_code == 2
    assert "no-such-file.txt" in result.stderr
    assert "Traceback" not in result.output


def test_extract_skips_binary_files_with_a_message(workdir: Path) -> None:
    (workdir / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    (workdir / "ok.txt").write_text("https://example.org/page\n")
    result = runner.invoke(app, ["extract", ".", "--format", "json"])
    assert result.exit_code == 0
    assert "image.txt" in result.stderr
    assert [c["url"] for c in json.loads(result.stdout)] == ["https://example.org/page"]


def test_extract_fails_like_check_when_no_input_is_readable(workdir: Path) -> None:
    (workdir / "latin1.txt").write_bytes(b"caf\xe9 https://example.org/\n")
    extracted = runner.invoke(app, ["extract", "latin1.txt"])
    checked = runner.invoke(app, ["check", "latin1.txt"])
    assert extracted.exit_code == checked.exit_code == 2
    assert "none of the inputs could be read" in extracted.stderr


def test_verbose_extract_says_what_is_not_checked(workdir: Path) -> None:
    (workdir / "a.md").write_text("[mail](mailto:someone@example.org) and https://example.org/\n")
    result = runner.invoke(app, ["extract", "a.md", "--verbose"])
    assert "mailto:someone@example.org" in result.stderr
    assert "not checked" in result.stderr


# --------------------------------------------------------------------------- scan


def test_scan_twice_changes_nothing(workdir: Path) -> None:
    shutil.copy(SAMPLE, workdir / "a.txt")
    first = runner.invoke(app, ["scan", "."])
    assert first.exit_code == 0, first.output
    tables = ("documents", "links", "citations")
    before = {t: db_rows(workdir / "linkcheck.db", f"select * from {t} order by 1") for t in tables}
    second = runner.invoke(app, ["scan", "."])
    assert second.exit_code == 0, second.output
    assert "1 unchanged" in second.stdout
    after = {t: db_rows(workdir / "linkcheck.db", f"select * from {t} order by 1") for t in tables}
    assert after == before
    assert len(after["links"]) == 4


def test_scan_takes_extensions_and_code_blocks_as_flags(workdir: Path) -> None:
    (workdir / "notes.md").write_text(
        "See https://example.org/prose\n\n```\ncurl https://example.org/in-code\n```\n"
    )
    (workdir / "page.html").write_text('<a href="https://example.org/html">x</a>\n')
    result = runner.invoke(app, ["scan", ".", "--extensions", "md", "--include-code"])
    assert result.exit_code == 0, result.output
    assert "1 document (" in result.stdout  # page.html was not read
    links = {url for (url,) in db_rows(workdir / "linkcheck.db", "select url from links")}
    assert links == {"https://example.org/prose", "https://example.org/in-code"}


def test_reading_with_other_options_parses_unchanged_documents_again(workdir: Path) -> None:
    (workdir / "notes.md").write_text(
        "See https://example.org/prose\n\n```\ncurl https://example.org/in-code\n```\n"
    )
    assert runner.invoke(app, ["scan", "."]).exit_code == 0
    with_code = runner.invoke(app, ["scan", ".", "--include-code"])
    assert with_code.exit_code == 0, with_code.output
    assert "1 changed" in with_code.stdout
    links = {url for (url,) in db_rows(workdir / "linkcheck.db", "select url from links")}
    assert "https://example.org/in-code" in links
    again = runner.invoke(app, ["scan", ".", "--include-code"])
    assert again.exit_code == 0, again.output
    assert "1 unchanged" in again.stdout
    forced = runner.invoke(app, ["scan", ".", "--include-code", "--reparse"])
    assert forced.exit_code == 0, forced.output
    assert "1 changed" in forced.stdout


def test_check_takes_extensions_and_code_blocks_as_flags(workdir: Path, live_web: TestWeb) -> None:
    (workdir / "notes.md").write_text(
        f"See {live_web.url('/ok')}\n\n```\ncurl {live_web.url('/status/404')}\n```\n"
    )
    (workdir / "skipped.txt").write_text(live_web.url("/status/500") + "\n")
    plain = runner.invoke(app, ["check", ".", "--extensions", "md", "--format", "json"])
    assert plain.exit_code == 0, plain.output
    assert [link["url"] for link in json.loads(plain.stdout)["links"]] == [live_web.url("/ok")]
    args = ["check", ".", "--extensions", ".MD", "--include-code", "--format", "json"]
    with_code = runner.invoke(app, [*args, "--db", "sqlite:///second.db"])
    assert with_code.exit_code == 1, with_code.output  # the 404 in the code block fails it
    urls = {link["url"] for link in json.loads(with_code.stdout)["links"]}
    assert urls == {live_web.url("/ok"), live_web.url("/status/404")}


def test_db_option_and_environment_choose_the_database(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(SAMPLE, workdir / "a.txt")
    assert runner.invoke(app, ["scan", ".", "--db", "sqlite:///flag.db"]).exit_code == 0
    monkeypatch.setenv("LINKCHECK_DB", "sqlite:///env.db")
    assert runner.invoke(app, ["scan", "."]).exit_code == 0
    assert (workdir / "flag.db").exists() and (workdir / "env.db").exists()
    assert not (workdir / "linkcheck.db").exists()


def test_db_upgrade_reports_the_revision(workdir: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "revision" in result.stdout


# --------------------------------------------------------------------------- check


@pytest.fixture
def corpus(workdir: Path, live_web: TestWeb) -> Path:
    """Two article dumps citing good, dead and redirected pages on the local web."""
    docs = workdir / "docs"
    docs.mkdir()
    (docs / "one.txt").write_text(
        article(
            live_web.url("/page/2024/05/01/own-article"),
            [live_web.url("/ok"), live_web.url("/status/404"), live_web.url("/status/404")],
        )
    )
    (docs / "two.txt").write_text(
        article(
            live_web.url("/page/other", host="127.0.0.2"),
            [live_web.url("/status/404"), live_web.url("/moved"), live_web.url("/soft404")],
        )
    )
    return docs


def test_check_reports_failures_and_exits_1(corpus: Path, live_web: TestWeb) -> None:
    result = runner.invoke(app, ["check", str(corpus)])
    assert result.exit_code == 1, result.output
    dead = live_web.url("/status/404")
    assert dead in result.stdout
    assert "one.txt" in result.stdout and "two.txt" in result.stdout
    # one request per distinct URL, however many documents cite it
    assert live_web.requests_per_path["/status/404"] == 1


def test_check_json_follows_the_contract(corpus: Path, live_web: TestWeb) -> None:
    result = runner.invoke(app, ["check", str(corpus), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["run"]["status"] == "completed"
    by_url = {link["url"]: link for link in report["links"]}
    assert len(by_url) == 6
    dead = by_url[live_web.url("/status/404")]
    assert dead["verdict"] == "dead" and dead["status_code"] == 404
    assert {c["document"] for c in dead["citations"]} == {"docs/one.txt", "docs/two.txt"}
    moved = by_url[live_web.url("/moved")]
    assert moved["verdict"] == "moved"
    assert [h["status_code"] for h in moved["hops"]] == [301, 200]
    assert moved["final_url"] == live_web.url("/new-home")
    assert by_url[live_web.url("/soft404")]["verdict"] == "soft_404"
    for key in ("state", "error_kind", "error", "archive_url", "archive_timestamp", "checked_at"):
        assert key in dead


def test_fail_on_chooses_which_verdicts_fail(corpus: Path) -> None:
    assert runner.invoke(app, ["check", str(corpus), "--fail-on", "error"]).exit_code == 0
    assert runner.invoke(app, ["check", str(corpus), "--fail-on", "moved"]).exit_code == 1


def test_bad_fail_on_value_is_a_usage_error(corpus: Path) -> None:
    result = runner.invoke(app, ["check", str(corpus), "--fail-on", "deadish"])
    assert result.exit_code == 2
    assert "deadish" in result.stderr


def test_every_run_is_recorded_with_its_checks_and_hops(corpus: Path) -> None:
    for _ in range(2):
        runner.invoke(app, ["check", str(corpus)])
    db = corpus.parent / "linkcheck.db"
    assert db_rows(db, "select status from runs") == [("completed",), ("completed",)]
    assert db_rows(db, "select count(*) from checks") == [(12,)]
    assert db_rows(db, "select count(*) from hops")[0][0] >= 12


def test_no_network_exits_3_and_records_nothing_dead(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Canary names that resolve nowhere make "no network" certain on any machine.
    monkeypatch.setenv("LINKCHECK_NETWORK_CANARIES", "canary-one.invalid,canary-two.invalid")
    (workdir / "a.txt").write_text(
        article(
            "https://news.invalid/2024/01/01/x",
            ["https://nowhere.invalid/a", "https://also-nowhere.invalid/b"],
        )
    )
    result = runner.invoke(app, ["check", "a.txt"])
    assert result.exit_code == 3, result.output
    assert "network" in result.stderr
    db = workdir / "linkcheck.db"
    assert db_rows(db, "select count(*) from checks where verdict = 'dead'") == [(0,)]
    [(status, error)] = db_rows(db, "select status, error from runs")
    assert status == "failed"
    assert error is not None and "network" in error and error in result.stderr
    # The night after, the report says why that run stopped.
    report = runner.invoke(app, ["report"])
    assert report.exit_code == 0, report.output
    assert f"Stopped by: {error}" in report.stdout
    as_json = json.loads(runner.invoke(app, ["report", "--format", "json"]).stdout)
    assert as_json["run"]["status"] == "failed" and as_json["run"]["stopped_by"] == error


def test_python_dash_m_works(workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("linkcheck ")


def test_only_the_command_tunes_the_garbage_collector(workdir: Path) -> None:
    # Python code that imports linkcheck keeps its own collector settings; the
    # command (``python -m linkcheck``, the console script) raises them for its run.
    probe = (
        "import gc, sys\n"
        "before = gc.get_threshold()\n"
        "import linkcheck.cli, linkcheck.entry\n"
        "assert gc.get_threshold() == before and gc.isenabled(), gc.get_threshold()\n"
        "sys.argv = ['linkcheck', '--version']\n"
        "try:\n"
        "    linkcheck.entry.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.isenabled(), gc.get_threshold()[0] > before[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "True True"


# --------------------------------------------------------------------------- CI policy


def test_ignored_urls_never_fail_the_run(workdir: Path, live_web: TestWeb) -> None:
    (workdir / "a.md").write_text(f"<{live_web.url('/status/404')}> <{live_web.url('/ok')}>\n")
    result = runner.invoke(app, ["check", "a.md", "--ignore", r"/status/40\d$"])
    assert result.exit_code == 0, result.output
    assert "not counted" in result.stderr


@pytest.mark.parametrize("kind", ["run", "report"])
def test_baseline_fails_only_on_newly_broken_citations(
    kind: str, workdir: Path, live_web: TestWeb
) -> None:
    doc = workdir / "a.md"
    doc.write_text(f"<{live_web.url('/status/404')}>\n")
    first = runner.invoke(app, ["check", "a.md", "--format", "json"])
    assert first.exit_code == 1
    (workdir / "base.json").write_text(first.stdout)
    baseline = "1" if kind == "run" else "base.json"

    old_rot = runner.invoke(app, ["check", "a.md", "--baseline", baseline])
    assert old_rot.exit_code == 0, old_rot.output
    assert "Failing (" not in old_rot.stdout  # what the exit code forgives, the report does too
    assert "Not counted (already failing in the baseline, or ignored) (1)" in old_rot.stdout
    annotations = runner.invoke(
        app, ["check", "a.md", "--baseline", baseline, "--format", "github"]
    )
    assert "::error" not in annotations.stdout

    doc.write_text(f"<{live_web.url('/status/404')}>\n<{live_web.url('/status/410')}>\n")
    new_rot = runner.invoke(app, ["check", "a.md", "--baseline", baseline])
    assert new_rot.exit_code == 1


@pytest.mark.parametrize("kind", ["run", "report"])
def test_baseline_fails_on_a_new_citation_of_an_old_broken_url(
    kind: str, workdir: Path, live_web: TestWeb
) -> None:
    dead = live_web.url("/status/404")
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(f"<{dead}>\n")
    first = runner.invoke(app, ["check", "docs", "--format", "json"])
    assert first.exit_code == 1
    (workdir / "base.json").write_text(first.stdout)
    baseline = "1" if kind == "run" else "base.json"

    # The pull request cites the dead source again, in a new document.
    (workdir / "docs" / "b.md").write_text(f"See <{dead}>.\n")
    new_citation = runner.invoke(app, ["check", "docs", "--baseline", baseline])
    assert new_citation.exit_code == 1, new_citation.output
    assert "docs/b.md:1" in new_citation.stdout

    # Without it, the old citation alone is old rot again.
    (workdir / "docs" / "b.md").unlink()
    old_only = runner.invoke(app, ["check", "docs", "--baseline", baseline])
    assert old_only.exit_code == 0, old_only.output


def test_run_baseline_knows_its_documents_from_another_working_directory(
    workdir: Path, live_web: TestWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text(f"<{live_web.url('/status/404')}>\n")
    monkeypatch.chdir(workdir / "docs")
    db = ["--db", f"sqlite:///{workdir / 'ci.db'}"]
    assert runner.invoke(app, ["check", ".", *db]).exit_code == 1  # run 1 names it a.md
    monkeypatch.chdir(workdir)
    again = runner.invoke(app, ["check", "docs", "--baseline", "1", *db])  # docs/a.md now
    assert again.exit_code == 0, again.output


def test_run_baseline_counts_citations_in_documents_stored_again_since_as_new(
    workdir: Path, live_web: TestWeb
) -> None:
    """The database keeps only each document's latest version: what a document
    changed since the baseline run cites cannot be told old, so it counts."""
    dead = live_web.url("/status/404")
    doc = workdir / "a.md"
    doc.write_text(f"<{dead}>\n")
    assert runner.invoke(app, ["check", "a.md"]).exit_code == 1
    doc.write_text(f"A new paragraph.\n\n<{dead}>\n")
    assert runner.invoke(app, ["scan", "a.md"]).exit_code == 0
    result = runner.invoke(app, ["check", "a.md", "--baseline", "1"])
    assert result.exit_code == 1, result.output


def test_unreadable_baseline_is_a_usage_error(workdir: Path) -> None:
    (workdir / "a.md").write_text("no links\n")
    (workdir / "base.json").write_text("{not json")
    result = runner.invoke(app, ["check", "a.md", "--baseline", "base.json"])
    assert result.exit_code == 2
    assert "base.json" in result.stderr


def test_max_age_skips_recently_good_links_but_rechecks_failing_ones(
    workdir: Path, live_web: TestWeb
) -> None:
    good, bad = live_web.url("/ok"), live_web.url("/status/404")
    (workdir / "a.md").write_text(f"<{good}>\n<{bad}>\n")
    assert runner.invoke(app, ["check", "a.md", "--max-age", "1d"]).exit_code == 1
    assert live_web.requests_per_path["/ok"] == 1
    again = runner.invoke(app, ["check", "a.md", "--max-age", "1d"])
    assert again.exit_code == 1, again.output  # the dead link is checked again and still fails
    assert live_web.requests_per_path["/ok"] == 1  # no request for the recently good link
    assert live_web.requests_per_path["/status/404"] == 2


def test_a_run_where_no_input_could_be_read_is_a_usage_error(workdir: Path) -> None:
    (workdir / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    result = runner.invoke(app, ["check", "blob.txt", "--quiet"])
    assert result.exit_code == 2
    assert "blob.txt" in result.stderr  # the reason is shown even with --quiet


@pytest.mark.parametrize("command", [["report"], ["history", "https://a.org/"], ["db", "stats"]])
def test_reading_commands_do_not_create_a_missing_database(
    workdir: Path, command: list[str]
) -> None:
    result = runner.invoke(app, [*command, "--db", "sqlite:///typo.db"])
    assert result.exit_code == 2
    assert "no database at typo.db" in result.stderr
    assert not (workdir / "typo.db").exists()


def test_a_failed_lookup_before_a_slow_local_answer_is_not_no_network(
    workdir: Path, live_web: TestWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKCHECK_NETWORK_CANARIES", "canary-one.invalid")
    slow = live_web.url("/slow/1")
    (workdir / "a.md").write_text(f"<https://nowhere.invalid/a>\n<{slow}>\n")
    result = runner.invoke(app, ["check", "a.md", "--format", "json"])
    assert result.exit_code == 0, result.output  # a host answered: the network is there
    links = {link["url"]: link for link in json.loads(result.stdout)["links"]}
    assert links[slow]["verdict"] == "alive"
    # no name resolves, canaries included: the lookup failure is not evidence of death
    assert (
        links["https://nowhere.invalid/a"]["verdict"],
        links["https://nowhere.invalid/a"]["error_kind"],
    ) == ("error", "dns")


@pytest.mark.parametrize("output_format", ["text", "json", "github", "html"])
def test_passwords_in_cited_urls_stay_out_of_reports(
    workdir: Path, live_web: TestWeb, output_format: str
) -> None:
    cited = live_web.url("/status/404").replace("http://", "http://ann:s3cret@")
    (workdir / "a.md").write_text(f"<{cited}>\n")
    result = runner.invoke(app, ["check", "a.md", "--format", output_format])
    assert result.exit_code == 1, result.output
    assert "ann:***@" in result.stdout
    assert "s3cret" not in result.stdout


def test_an_unwritable_output_is_refused_before_checking(workdir: Path, live_web: TestWeb) -> None:
    (workdir / "a.md").write_text(f"<{live_web.url('/ok')}>\n")
    result = runner.invoke(app, ["check", "a.md", "--output", "no/such/folder/report.txt"])
    assert result.exit_code == 2
    assert "no/such/folder" in result.stderr
    assert live_web.requests_per_path["/ok"] == 0


def test_quiet_lists_only_the_failing_links(workdir: Path, live_web: TestWeb) -> None:
    dead, moved = live_web.url("/status/404"), live_web.url("/moved")
    (workdir / "a.md").write_text(f"<{dead}>\n<{moved}>\n")
    result = runner.invoke(app, ["check", "a.md", "--quiet"])
    assert result.exit_code == 1
    assert dead in result.stdout
    assert moved not in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    "options",
    [
        ["--changes", "--state", "dead"],
        ["--changes", "--verdict", "dead"],
        ["--changes", "--since", "7d"],
        ["--changes", "--all"],
        ["--changes", "--group-by", "domain"],
        ["--since", "7d", "--run", "1"],
    ],
)
def test_report_refuses_options_it_would_ignore(workdir: Path, options: list[str]) -> None:
    (workdir / "a.md").write_text("no links\n")
    assert runner.invoke(app, ["check", "a.md"]).exit_code == 0
    result = runner.invoke(app, ["report", *options])
    assert result.exit_code == 2, result.output
    assert "cannot be combined" in result.stderr
