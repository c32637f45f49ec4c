"""Runs the Alembic revisions shipped as ``linkcheck.migrations``.

An installed linkcheck (wheel or editable) carries the scripts as the package
``linkcheck.migrations``; a source checkout imported straight from its folder
(as the tests do) has them in the top-level ``migrations/`` instead.  Alembic
gets our connection through ``config.attributes["connection"]``: ``env.py``
builds no engine of its own when called from here.

Alembic costs a fifth of a second to import and more to run every revision, so
it is only used where it is needed: a database at :data:`HEAD` is confirmed
with one query, and an empty one is built straight from the models at
:data:`HEAD` (:func:`create_at_head`); a test keeps that schema identical to
the one the revisions build.  Only older databases go through Alembic.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    text,
)

from linkcheck.errors import SchemaTooNew
from linkcheck.store.schema import Base

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

#: The newest revision in ``migrations/versions``.  Knowing it lets every start-up
#: confirm an up-to-date database with one query and without importing Alembic
#: (a fifth of a second); a test keeps it equal to the scripts' head.
HEAD = "0005"


def at_head(connection: Connection) -> bool:
    """Whether the database is at :data:`HEAD`, read directly (no Alembic)."""
    if not inspect(connection).has_table("alembic_version"):
        return False
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return list(versions) == [HEAD]


#: Alembic's own bookkeeping table, declared as Alembic creates it.
VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def is_empty(connection: Connection) -> bool:
    """Whether the database holds no tables at all (a new database)."""
    return not inspect(connection).get_table_names()


def create_at_head(connection: Connection) -> None:
    """Build the schema of :data:`HEAD` in an empty database, without Alembic.

    Call inside a write transaction that has just seen :func:`is_empty`, so
    that two processes creating the same new database cannot both build it.
    """
    Base.metadata.create_all(connection, checkfirst=False)
    VERSION_TABLE.create(connection, checkfirst=False)
    connection.execute(VERSION_TABLE.insert().values(version_num=HEAD))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged scripts (no ini file)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _script_location())
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _script_location() -> str:
    try:
        return str(files("linkcheck.migrations"))
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parents[2] / "migrations"
        if not (checkout / "env.py").is_file():
            raise
        return str(checkout)


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this version of linkcheck knows."""
    head = script_directory().get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("linkcheck.migrations holds no revisions")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return heads[0] if heads else None


def ensure_known(connection: Connection, database: str) -> None:
    """Raise :class:`SchemaTooNew` if the database is at a revision we do not know."""
    from alembic.runtime.migration import MigrationContext

    scripts = script_directory()
    for revision in MigrationContext.configure(connection).get_current_heads():
        if revision not in {script.revision for script in scripts.walk_revisions()}:
            raise SchemaTooNew(
                f"database {database} has schema revision {revision!r}, which this version "
                f"of linkcheck does not know (it knows up to {head_revision()!r}); "
                "it was written by a newer linkcheck: upgrade linkcheck to use it"
            )


def upgrade_to_head(connection: Connection) -> None:
    """Apply every missing revision on ``connection`` (inside its transaction)."""
    from alembic import command

    command.upgrade(alembic_config(connection), "head")
