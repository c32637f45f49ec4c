"""The schema comes from the Alembic revisions, and they match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from linkcheck.errors import DatabaseError, SchemaTooNew
from linkcheck.store import Store
from linkcheck.store.db import open_engine
from linkcheck.store.migrate import head_revision
from linkcheck.store.schema import Base
from tests.store.store_factories import TABLES


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert store.current_revision() == head_revision()
    engine = create_engine(db_url)
    try:
        assert set(TABLES) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_models_match_the_migrations(db_url: str) -> None:
    Store.open(db_url).close()
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
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
    with pytest.raises(DatabaseError, match="not a valid database URL"):
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
