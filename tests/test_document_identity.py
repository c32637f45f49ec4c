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
