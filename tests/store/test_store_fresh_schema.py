"""A new database is built straight from the models, and that equals what the revisions build.

Opening a new database skips Alembic (a fifth of a second of start-up); these
tests keep that shortcut honest: same tables, columns, keys and indexes as the
revisions create, and Alembic afterwards finds nothing to do.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from linkcheck.store import Store
from linkcheck.store.db import open_engine
from linkcheck.store.migrate import alembic_config, head_revision
from linkcheck.store.schema import Base
from tests.store.store_factories import dump_tables


def migrated_by_alembic(url: str) -> None:
    """Build the schema of ``url`` by running every revision, as older linkchecks did."""
    engine = open_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()


def describe_schema(url: str) -> dict[str, dict[str, Any]]:
    """Everything the inspector says about each table, in a comparable form."""
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        return {
            table: {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c["default"], c["primary_key"])
                    for c in inspector.get_columns(table)
                ],
                "primary_key": inspector.get_pk_constraint(table),
                "foreign_keys": sorted(map(repr, inspector.get_foreign_keys(table))),
                "indexes": sorted(map(repr, inspector.get_indexes(table))),
                "unique": sorted(map(repr, inspector.get_unique_constraints(table))),
            }
            for table in sorted(inspector.get_table_names())
        }
    finally:
        engine.dispose()


def test_opening_a_new_database_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    program = (
        "import sys\n"
        "from linkcheck.store import Store\n"
        f"Store.open({url!r}).close()\n"  # new: built from the models
        f"Store.open({url!r}).close()\n"  # at head: confirmed with one query
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
    with Store.open(url) as store:
        assert store.current_revision() == head_revision()


def test_a_new_database_has_the_schema_the_revisions_build(tmp_path: Path) -> None:
    fast, migrated = (f"sqlite:///{tmp_path / name}" for name in ("fast.db", "migrated.db"))
    Store.open(fast).close()
    migrated_by_alembic(migrated)
    assert describe_schema(fast) == describe_schema(migrated)
    assert "alembic_version" in describe_schema(fast)
    assert dump_tables(fast) == dump_tables(migrated)  # both empty, same tables


def test_the_models_match_the_revisions_for_autogenerate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    migrated_by_alembic(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_alembic_finds_a_new_database_at_head_with_nothing_to_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fast.db'}"
    Store.open(url).close()
    before = describe_schema(url)
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_heads() == (head_revision(),)
            # Raises if autogenerate would write a revision for this database.
            command.check(alembic_config(connection))
        with engine.connect() as connection, connection.begin():
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()
    assert describe_schema(url) == before


def test_a_database_created_meanwhile_by_another_process_is_left_at_head(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Store.open(url, upgrade=False) as late:  # saw an empty database
        Store.open(url).close()  # another process creates it first
        late.upgrade()  # must notice, not build the tables twice
        assert late.current_revision() == head_revision()
