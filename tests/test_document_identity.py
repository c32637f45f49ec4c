"""A document is its file: found from another directory, under another name, it is
the same document, and a file gone from a scanned folder stops citing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from linkcheck.cli import app

runner = CliRunner()


def stored(db: Path) -> list[tuple[str, int]]:
    """Each stored document's name and how many citations it has."""
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "select d.path, count(c.id) from documents d left join citations c"
            " on c.document_id = d.id group by d.id order by d.path"
        ).fetchall()


def test_the_same_file_scanned_from_elsewhere_is_one_document(workdir: Path) -> None:
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text("https://example.org/a\nhttps://example.org/b\n")
    db = workdir / "linkcheck.db"
    assert runner.invoke(app, ["scan", "docs"]).exit_code == 0
    os.chdir(workdir / "docs")
    again = runner.invoke(app, ["scan", ".", "--db", f"sqlite:///{db}"])
    assert again.exit_code == 0, again.output
    # Renamed to how this run names it, not stored twice with its citations doubled.
    assert stored(db) == [("a.md", 2)]
    assert "0 new" in again.stdout and "1 unchanged" in again.stdout


def nested_twins(workdir: Path, first_scan: str, then_from_docs: str) -> list[tuple[str, str]]:
    """docs/a.md ("outer") and docs/docs/a.md ("inner"): "docs/a.md" names the outer
    file from workdir and the inner one from workdir/docs.  Scans ``first_scan``
    from workdir, then ``then_from_docs`` from docs/; returns (name, cited URL) rows."""
    (workdir / "docs" / "docs").mkdir(parents=True)
    (workdir / "docs" / "a.md").write_text("https://example.org/outer\n")
    (workdir / "docs" / "docs" / "a.md").write_text("https://example.org/inner\n")
    db = workdir / "linkcheck.db"
    assert runner.invoke(app, ["scan", first_scan]).exit_code == 0
    os.chdir(workdir / "docs")
    again = runner.invoke(app, ["scan", then_from_docs, "--db", f"sqlite:///{db}"])
    assert again.exit_code == 0, again.output
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "select d.path, l.url from documents d join citations c"
            " on c.document_id = d.id join links l on l.id = c.link_id order by l.url"
        ).fetchall()


def test_a_name_that_now_means_another_file_never_merges_two_documents(workdir: Path) -> None:
    # Each file is one row, with its own citation, named as the second scan names it.
    assert nested_twins(workdir, "docs", ".") == [
        ("docs/a.md", "https://example.org/inner"),
        ("a.md", "https://example.org/outer"),
    ]


def test_a_row_whose_name_now_means_another_file_is_named_by_its_location(
    workdir: Path,
) -> None:
    # The second scan reads only the inner file, which it names docs/a.md.
    outer = (workdir / "docs" / "a.md").as_posix()
    assert nested_twins(workdir, "docs/a.md", "docs/a.md") == [
        ("docs/a.md", "https://example.org/inner"),
        (outer, "https://example.org/outer"),
    ]


def test_a_file_reached_through_a_symlinked_folder_too_is_one_document(workdir: Path) -> None:
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text("https://example.org/a\n")
    (workdir / "mirror").symlink_to(workdir / "docs")
    scanned = runner.invoke(app, ["scan", "docs", "mirror"])
    assert scanned.exit_code == 0, scanned.output
    assert stored(workdir / "linkcheck.db") == [("docs/a.md", 1)]  # read once, first name
    again = runner.invoke(app, ["scan", "mirror"])  # the other spelling later: same row
    assert "0 new" in again.stdout and "1 unchanged" in again.stdout, again.output
    assert stored(workdir / "linkcheck.db") == [("mirror/a.md", 1)]
