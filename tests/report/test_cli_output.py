"""What the CLI writes is the renderer's file as it is: no blank line appended."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app

#: JSON is streamed by the CLI itself; every other format goes through render().
RENDERED_FORMATS = ("text", "csv", "markdown", "html", "junit", "sarif")


@pytest.mark.parametrize("format", RENDERED_FORMATS)
def test_a_report_file_ends_without_a_blank_line(format: str, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("no links here\n", encoding="utf-8")
    out = tmp_path / f"report.{format}"
    db = f"sqlite:///{tmp_path / 'links.db'}"
    result = CliRunner().invoke(
        app, ["check", str(source), "--db", db, "-f", format, "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    content = out.read_bytes()
    assert content.endswith(b"\n")
    assert not content.endswith((b"\n\n", b"\r\n\n")), content[-20:]
