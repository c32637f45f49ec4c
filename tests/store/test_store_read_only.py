"""A database on a read-only file system (an archive's copy on read-only media) can be
reported from; recording into it fails with a message that says why."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.errors import DatabaseError, SchemaTooNew
from linkcheck.store import Store
from linkcheck.store.db import open_engine, sqlite_on_read_only_file_system, translated_errors

runner = CliRunner()


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(source, mount): ``mount`` shows ``source`` on a read-only bind mount.

    Mounting needs privileges most machines do not give a test: skipped without them.
    """
    source, mount = tmp_path / "source", tmp_path / "mount"
    source.mkdir()
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    bound = subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip("cannot bind-mount here (needs root and a mount namespace)")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], check=True)
        yield source, mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_reports_read_a_database_on_a_read_only_file_system(
    read_only_mount: tuple[Path, Path], workdir: Path
) -> None:
    source, mount = read_only_mount
    (workdir / "a.txt").write_text("See https://example.org/page\n")
    scanned = runner.invoke(app, ["scan", "a.txt", "--db", f"sqlite:///{source / 'l.db'}"])
    assert scanned.exit_code == 0, scanned.output
    database = f"sqlite:///{mount / 'l.db'}"
    assert sqlite_on_read_only_file_system(database)

    history = runner.invoke(app, ["history", "https://example.org/page", "--db", database])
    assert history.exit_code == 0, history.output
    assert "a.txt:1" in history.stdout
    stats = runner.invoke(app, ["db", "stats", "--db", database])
    assert stats.exit_code == 0, stats.output

    (workdir / "a.txt").write_text("See https://example.org/other\n")  # something to record
    as_typed = f"sqlite:///{os.path.relpath(mount / 'l.db')}"  # named relative to the cwd
    again = runner.invoke(app, ["scan", "a.txt", "--db", as_typed])
    assert again.exit_code == 3
    assert f"cannot write to database {as_typed}: it is on a read-only file system" in (
        again.stderr
    )
    assert sorted(path.name for path in mount.iterdir()) == ["l.db"]
    # Refused before the archive is asked: its answers could not be recorded.
    archive = runner.invoke(app, ["archive", "--db", as_typed])
    assert archive.exit_code == 3
    assert "it is on a read-only file system" in archive.stderr


def test_an_immutable_database_reads_but_refuses_writes_with_the_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    writable = open_engine(url)
    with writable.begin() as connection:
        connection.execute(text("create table t (x integer)"))
        connection.execute(text("insert into t values (1)"))
    writable.dispose()
    engine = open_engine(url, immutable=True)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("select x from t")).scalar_one() == 1
        refused = pytest.raises(DatabaseError, match=f"cannot write to database {url}: it is on")
        with refused, translated_errors(engine.url), engine.begin() as connection:
            connection.execute(text("insert into t values (2)"))
    finally:
        engine.dispose()
    assert not sqlite_on_read_only_file_system(url)


def test_stats_of_a_database_on_a_read_only_file_system_count_its_file(
    read_only_mount: tuple[Path, Path],
) -> None:
    source, mount = read_only_mount
    Store.open(f"sqlite:///{source / 'l.db'}").close()
    with Store.open(f"sqlite:///{mount / 'l.db'}") as store:
        assert store.stats().file_bytes == (source / "l.db").stat().st_size


def test_a_newer_database_on_a_read_only_file_system_says_linkcheck_is_too_old(
    read_only_mount: tuple[Path, Path],
) -> None:
    source, mount = read_only_mount
    Store.open(f"sqlite:///{source / 'l.db'}").close()
    with sqlite3.connect(source / "l.db") as connection:
        connection.execute("update alembic_version set version_num = '9999'")
    connection.close()
    with pytest.raises(SchemaTooNew, match="written by a newer linkcheck"):
        Store.open(f"sqlite:///{mount / 'l.db'}")


def test_a_copy_taken_with_an_unmerged_log_is_refused_not_read_stale(
    read_only_mount: tuple[Path, Path], workdir: Path
) -> None:
    """A database copied with its -wal file but without -shm (taken while a run wrote):
    read as immutable, SQLite would ignore the log and report without its latest rows."""
    source, mount = read_only_mount
    (workdir / "a.txt").write_text("See https://example.org/page\n")
    live = workdir / "live.db"
    assert runner.invoke(app, ["scan", "a.txt", "--db", f"sqlite:///{live}"]).exit_code == 0
    writer = sqlite3.connect(live)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # keep the new rows in the log
        writer.execute("UPDATE documents SET path = 'renamed.txt'")
        writer.commit()
        shutil.copy(live, source / "l.db")
        shutil.copy(f"{live}-wal", source / "l.db-wal")
    finally:
        writer.close()
    assert (source / "l.db-wal").stat().st_size > 0
    database = f"sqlite:///{mount / 'l.db'}"
    history = runner.invoke(app, ["history", "https://example.org/page", "--db", database])
    assert history.exit_code == 3
    assert "write-ahead log (l.db-wal)" in history.stderr
