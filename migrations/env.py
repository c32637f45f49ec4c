"""Alembic environment for linkcheck.

Called two ways:

* by linkcheck itself (``linkcheck.store.migrate``), which passes an open
  connection in ``config.attributes["connection"]``;
* by a developer's ``alembic`` command (``alembic.ini`` at the repository
  root), where the URL comes from ``LINKCHECK_DB``, else ``sqlalchemy.url`` in
  the ini file, else ``sqlite:///linkcheck.db``.

Nothing here connects at import time.  SQLite gets ``render_as_batch`` (it can
alter few things in place, so Alembic copies tables instead) and every dialect
gets ``compare_type`` so autogenerate notices changed column types.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from linkcheck.store.db import DEFAULT_URL, open_engine
from linkcheck.store.schema import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    return os.environ.get("LINKCHECK_DB") or config.get_main_option("sqlalchemy.url") or DEFAULT_URL


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our own column types as plain SQLAlchemy ones.

    Revisions must not import linkcheck: they have to keep working after the
    code they were generated from has changed.
    """
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime()"
    return False


def configure(connection: Connection | None = None, url: str | None = None) -> None:
    dialect = connection.dialect.name if connection is not None else url_dialect(url)
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        render_as_batch=dialect == "sqlite",
        compare_type=True,
        # Our SQLite engine emits BEGIN itself, so DDL there is transactional too.
        transactional_ddl=True if dialect == "sqlite" else None,
        render_item=render_item,
        literal_binds=connection is None,
    )


def url_dialect(url: str | None) -> str:
    return (url or "").split(":", 1)[0].split("+", 1)[0]


def run_with(connection: Connection) -> None:
    configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        run_with(given)
        return
    if config.config_file_name is not None:
        # Only the alembic CLI configures logging; the library never does.
        fileConfig(config.config_file_name)
    engine = open_engine(database_url())
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _without_foreign_keys(connection)
            run_with(connection)
            connection.commit()
    finally:
        engine.dispose()


def _without_foreign_keys(connection: Connection) -> None:
    """Turn SQLite's foreign keys off for this connection, before any transaction.

    A batch migration copies a table, drops the original and renames the copy:
    with foreign keys on, dropping ``runs`` would delete every check through
    ``ON DELETE CASCADE`` (a downgrade of 0004 emptied ``checks``).  The pragma
    is a no-op inside a transaction, so it goes to the driver's connection
    before SQLAlchemy begins one.
    """
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection has one
    driver.execute("PRAGMA foreign_keys=OFF")


def run_offline() -> None:
    configure(url=database_url())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
