"""Engines, SQLite settings, transactions, and the translation of database errors.

SQLite gets WAL (readers never block the single writer), foreign keys, a busy
timeout, and real transactions: the ``sqlite3`` module's own transaction
handling is switched off and SQLAlchemy emits ``BEGIN`` itself, so a read sees
one consistent snapshot and a write transaction takes the write lock up front
(``BEGIN IMMEDIATE``) instead of failing half-way when another writer is busy.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import URL
from sqlalchemy.pool import StaticPool

from linkcheck.errors import ConfigError, DatabaseBusy, DatabaseError

DEFAULT_URL = "sqlite:///linkcheck.db"
#: How long a SQLite writer waits for another writer's lock before giving up.
BUSY_TIMEOUT_MS = 10_000
#: Execution option marking a connection that will write (``BEGIN IMMEDIATE`` on SQLite).
WRITE_OPTION = "linkcheck_write"


def describe(url: str | URL) -> str:
    """The URL as it may be shown to a user: any password masked."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        return "<unparsable database URL>"
    if is_immutable(parsed):  # as the user named it
        parsed = parsed.set(database=sqlite_path(parsed), query={})
    return parsed.render_as_string(hide_password=True)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def is_memory_sqlite(url: URL) -> bool:
    return is_sqlite(url) and url.database in (None, "", ":memory:")


def sqlite_on_read_only_file_system(url: str | URL) -> bool:
    """Whether ``url`` names an existing SQLite file on a file system mounted read-only.

    SQLite cannot open such a database in WAL mode (it must create the ``-shm``
    file beside it), but nothing can change it either: it may be read as immutable.
    """
    path = sqlite_path(make_url(url))
    if path is None:
        return False
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no such file; no statvfs (Windows)
        return False


def _immutable(url: URL) -> URL:
    """The SQLite file of ``url`` opened read-only and immutable: no locks, no ``-wal``
    or ``-shm`` files.  Only right where nothing can write the file."""
    assert url.database is not None
    # As named (relative paths are relative to the working directory in URIs too), so
    # messages show the path the user typed.
    path = quote(Path(url.database).as_posix())
    return url.set(database=f"file:{path}", query={"mode": "ro", "immutable": "1", "uri": "true"})


def is_immutable(url: URL) -> bool:
    return is_sqlite(url) and url.query.get("immutable") == "1"


def sqlite_path(url: URL) -> str | None:
    """The file a SQLite ``url`` names, in its immutable form too (None: not a file)."""
    if not is_sqlite(url) or is_memory_sqlite(url) or not url.database:
        return None
    if is_immutable(url):
        return unquote(url.database.removeprefix("file:"))
    return url.database


def open_engine(url: str, *, immutable: bool = False) -> Engine:
    """An engine for ``url``; a malformed URL or a missing driver is a :class:`ConfigError`.

    ``immutable`` (SQLite files only) reads the file without locking it or creating
    files beside it: see :func:`sqlite_on_read_only_file_system`.
    """
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise ConfigError(
            f"not a valid database URL: {url!r} (e.g. sqlite:///linkcheck.db)"
        ) from error
    if immutable:
        parsed = _immutable(parsed)
    options: dict[str, Any] = {}
    if is_memory_sqlite(parsed):
        # One shared connection, or every thread would see its own empty database.
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    try:
        engine = create_engine(parsed, **options)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
        # A configuration problem (an unknown dialect, a driver not installed).
        raise ConfigError(f"cannot use database {describe(parsed)}: {error}") from error
    if is_sqlite(parsed):
        _configure_sqlite(engine, wal=not (is_memory_sqlite(parsed) or immutable))
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: the "begin" hook below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                # In WAL mode NORMAL is still crash-safe and makes commits cheap.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


@contextmanager
def translated_errors(url: str | URL) -> Iterator[None]:
    """Turn the driver's errors into the run's :class:`DatabaseError` family.

    Only errors raised by the database itself are translated: a mistake in a
    statement is a bug and keeps its own exception.
    """
    try:
        yield
    except exc.OperationalError as error:
        if "locked" in str(error.orig) or "busy" in str(error.orig):
            raise DatabaseBusy(
                f"database {describe(url)} is locked by another process: {error.orig}"
            ) from error
        if "readonly" in str(error.orig) and is_immutable(make_url(url)):
            raise DatabaseError(read_only_message(url)) from error
        raise DatabaseError(f"cannot use database {describe(url)}: {error.orig}") from error
    except exc.DBAPIError as error:
        raise DatabaseError(f"cannot use database {describe(url)}: {error.orig}") from error


def read_only_message(url: str | URL) -> str:
    return (
        f"cannot write to database {describe(url)}: it is on a read-only file "
        "system, so linkcheck can report from it but record nothing in it"
    )


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one write transaction, committed on success, rolled back on error."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reading; its transaction is rolled back when done."""
    with engine.connect() as connection:
        yield connection
