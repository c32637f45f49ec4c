"""The schema comes from the Alembic revisions, and they match the models."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from linkcheck.errors import ConfigError, DatabaseError, SchemaTooNew
from linkcheck.store import Store
from linkcheck.store.db import open_engine
from linkcheck.store.migrate import alembic_config, head_revision
from linkcheck.types import Verdict
from tests.store.store_factories import (
    TABLES,
    citation,
    document,
    dump_tables,
    result,
    run_night,
)


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert store.current_revision() == head_revision()
    engine = create_engine(db_url)
    try:
        assert set(TABLES) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db_url: str) -> None:
    Store.open(db_url).close()
    engine = open_engine(db_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() > 0
    finally:
        engine.dispose()


def test_open_without_upgrade_leaves_an_empty_database_alone(db_url: str) -> None:
    with Store.open(db_url, upgrade=False) as store:
        assert store.current_revision() is None
        store.upgrade()
        assert store.current_revision() == head_revision()


def test_opening_again_keeps_the_revision(db_url: str) -> None:
    Store.open(db_url).close()
    with Store.open(db_url) as store:
        assert store.current_revision() == head_revision()


def test_a_newer_database_is_refused_clearly(db_url: str) -> None:
    Store.open(db_url).close()
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_future'"))
    finally:
        engine.dispose()
    with pytest.raises(SchemaTooNew) as raised:
        Store.open(db_url)
    message = str(raised.value)
    assert "ffff_from_future" in message
    assert "newer linkcheck" in message


def test_a_file_that_is_not_a_database_gives_database_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is a text file, not SQLite\n" * 100)
    with pytest.raises(DatabaseError) as raised:
        Store.open(f"sqlite:///{path}")
    assert not isinstance(raised.value, SchemaTooNew)
    assert "not a database" in str(raised.value)


def test_an_unopenable_path_gives_database_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="cannot use database"):
        Store.open(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")


def test_a_malformed_url_gives_database_error() -> None:
    with pytest.raises(ConfigError, match="not a valid database URL"):
        Store.open("no such url")


def test_migrations_ship_in_the_package() -> None:
    """The installed distribution carries the revisions, so an installed linkcheck can upgrade."""
    import json
    import sys
    from importlib.metadata import distributions

    # The installed copy, not the egg-info a build leaves in the checkout.
    installed = [p for p in sys.path if p.endswith("site-packages")]
    [dist] = [d for d in distributions(path=installed) if d.name == "linkcheck-citations"]
    direct_url = dist.read_text("direct_url.json")
    if direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"):
        pytest.skip("an editable install maps the folder instead of copying files")
    shipped = {str(path) for path in dist.files or ()}
    assert "linkcheck/migrations/env.py" in shipped
    assert "linkcheck/migrations/script.py.mako" in shipped
    assert any(name.startswith("linkcheck/migrations/versions/0001") for name in shipped)


def _old_database_with_rows(db_url: str, revision: str) -> None:
    """A database at ``revision`` holding ``OLD_ROWS``, as an older linkcheck left it."""
    engine = open_engine(db_url)
    try:
        with engine.connect() as connection, connection.begin():
            command.upgrade(alembic_config(connection), revision)
        with engine.begin() as connection:
            for statement in OLD_ROWS:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_upgrading_a_0001_database_keeps_its_data(db_url: str) -> None:
    _old_database_with_rows(db_url, "0001")
    before = dump_tables(db_url)
    with Store.open(db_url) as store:
        assert store.current_revision() == head_revision()
        (check,) = store.history("https://example.org/a")
        assert (check.verdict, check.status_code) == (Verdict.DEAD, 404)
        assert store.citations_of("https://example.org/a")[0].document == "essay.txt"
        (row,) = store.link_rows(run_id=1)
        assert row.state is None  # no states were recorded before 0002
        assert store.changes() == []
    after = dump_tables(db_url)
    assert {table: len(rows) for table, rows in after.items()} == {
        table: len(rows) for table, rows in before.items()
    }
    assert after["checks"][0][: len(before["checks"][0])] == before["checks"][0]
    assert after["checks"][0][len(before["checks"][0]) :] == (None, None)
    assert after["runs"][0][: len(before["runs"][0])] == before["runs"][0]
    # no reason before 0003, no stored counts before 0004
    assert after["runs"][0][len(before["runs"][0]) :] == (None, None)


def test_runs_from_before_0004_count_their_checks(db_url: str) -> None:
    _old_database_with_rows(db_url, "0003")
    with Store.open(db_url) as store:
        assert store.current_revision() == head_revision()
        summary = store.run_summary(1)
        assert summary is not None
        assert (dict(summary.counts), summary.total) == ({Verdict.DEAD: 1}, 1)
        store.prune(keep_latest=1)  # writes down what the old run found
    assert dump_tables(db_url)["runs"][0][-1] == '{"dead": 1}'


OLD_ROWS = (
    "INSERT INTO documents VALUES (1, 'essay.txt', 'article', 'h1', NULL, NULL,"
    " '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')",
    "INSERT INTO links (id, url, first_seen_at, last_checked_at, last_verdict, last_check_id,"
    " fail_count) VALUES (1, 'https://example.org/a', '2026-01-01 00:00:00.000000',"
    " '2026-01-02 00:00:00.000000', 'dead', 1, 0)",
    "INSERT INTO citations VALUES (1, 1, 1, 'https://example.org/a', '3', 'inline', NULL, NULL,"
    " NULL)",
    "INSERT INTO runs (id, started_at, finished_at, status, inputs, options) VALUES (1,"
    " '2026-01-02 00:00:00.000000', '2026-01-02 00:10:00.000000', 'completed', '[]', '{}')",
    "INSERT INTO checks (id, run_id, link_id, checked_at, verdict, status_code, attempts, method)"
    " VALUES (1, 1, 1, '2026-01-02 00:00:00.000000', 'dead', 404, 1, 'GET')",
    "INSERT INTO hops VALUES (1, 0, 'https://example.org/a', 404, NULL)",
)


def test_the_known_head_is_the_scripts_head() -> None:
    from linkcheck.store import migrate

    assert migrate.head_revision() == migrate.HEAD


def test_a_developer_downgrade_keeps_every_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `alembic downgrade` rebuilds `runs` without its newest column; with SQLite's
    # foreign keys on, dropping the old table would cascade into `checks`.
    database = tmp_path / "kept.db"
    url = f"sqlite:///{database}"
    with Store.open(url) as store:
        store.sync_documents([document("a.md", citation("a.md", "https://example.org/a"))])
        run_night(store, result("https://example.org/a"))
    monkeypatch.setenv("LINKCHECK_DB", url)
    command.downgrade(alembic_config(), "0002")
    with sqlite3.connect(database) as connection:
        assert connection.execute("select count(*) from checks").fetchone() == (1,)
        assert connection.execute("select count(*) from runs").fetchone() == (1,)
