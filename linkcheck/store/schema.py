"""The database tables, as SQLAlchemy Core tables.

These tables are the schema Alembic's autogenerate compares the revisions in
``migrations/`` with, and what a new, empty database is built from (see
:mod:`linkcheck.store.migrate`); a test keeps the two identical.  The rest of
``store`` runs Core statements against them (bulk inserts are far cheaper than
one ORM object per row).  They are Core tables rather than declarative models
because nothing maps rows to objects, and importing and building the ORM cost
about a tenth of a second at every start-up.

Conventions:

* Columns are ``NOT NULL`` unless made with :func:`optional`.
* Datetimes are stored as naive UTC (SQLite has no time zones) and come back
  timezone-aware: :class:`UTCDateTime` does the conversion in both directions.
* Enumerations are stored as short strings, not database enums, so adding a
  verdict or an error kind never needs a migration.
* Constraint names follow a naming convention so that later SQLite batch
  migrations can drop or alter them by name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Length of the string columns that hold an enumeration value.
ENUM_LENGTH = 32


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as naive UTC and returned timezone-aware (UTC).

    Naive datetimes handed in are taken to be UTC already.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        if value.tzinfo is not UTC:  # most values are UTC already: skip the conversion
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return cast(datetime, value).replace(tzinfo=UTC)


metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base:
    """The tables' :data:`metadata` under the name ``migrations/env.py`` imports."""

    metadata = metadata


def enum_string() -> String:
    return String(ENUM_LENGTH)


def key(name: str) -> Column[int]:
    """An integer primary key."""
    return Column(name, Integer, primary_key=True)


def required(name: str, type_: Any, *args: Any, **kwargs: Any) -> Column[Any]:
    return Column(name, type_, *args, nullable=False, **kwargs)


def optional(name: str, type_: Any, *args: Any, **kwargs: Any) -> Column[Any]:
    return Column(name, type_, *args, nullable=True, **kwargs)


def cascading(table: str) -> ForeignKey:
    """A reference to ``table``'s id whose rows go when the referenced row goes."""
    return ForeignKey(f"{table}.id", ondelete="CASCADE")


#: One input document, identified by its path; the hash says whether it changed.
documents = Table(
    "documents",
    metadata,
    key("id"),
    required("path", Text, unique=True),
    required("format", enum_string()),
    required("content_hash", String(128)),
    optional("own_url", Text),
    optional("cited_at", Date),
    required("first_seen_at", UTCDateTime),
    # when the content (hash) last changed
    required("updated_at", UTCDateTime),
    # when a scan last found the document (see ``Store.touch_documents``)
    required("last_seen_at", UTCDateTime),
)

#: One normalized URL, whoever cites it, with its latest verdict denormalised.
#: The state columns (``state`` … ``next_check_at``) serve the link state
#: machine across nightly runs; the checker's writer keeps ``last_*`` current.
links = Table(
    "links",
    metadata,
    key("id"),
    required("url", Text, unique=True),
    required("first_seen_at", UTCDateTime),
    optional("last_checked_at", UTCDateTime, index=True),
    # indexed for the due-link query ("last verdict was not good")
    optional("last_verdict", enum_string(), index=True),
    # id of the latest check (no foreign key: checks may be pruned)
    optional("last_check_id", Integer),
    optional("state", enum_string(), index=True),
    required("fail_count", Integer, default=0, server_default="0"),
    optional("first_failed_at", UTCDateTime),
    optional("confirmed_dead_at", UTCDateTime),
    optional("next_check_at", UTCDateTime, index=True),
)

#: One URL cited by one document (lines stored as ``"3,17"``).
citations = Table(
    "citations",
    metadata,
    key("id"),
    required("document_id", Integer, cascading("documents"), index=True),
    required("link_id", Integer, cascading("links"), index=True),
    required("url_as_written", Text),
    required("lines", Text),
    required("role", enum_string()),
    optional("title", Text),
    optional("cited_at", Date),
    optional("fragment", Text),
)

#: One ``linkcheck check`` run; ``heartbeat_at``/``pid``/``host`` serve the run lock.
runs = Table(
    "runs",
    metadata,
    key("id"),
    required("started_at", UTCDateTime, index=True),
    optional("finished_at", UTCDateTime),
    required("status", enum_string(), index=True),
    required("inputs", JSON),
    required("options", JSON),
    optional("heartbeat_at", UTCDateTime),
    optional("pid", Integer),
    optional("host", String(255)),
    # how many links the run meant to check (for progress and resume)
    optional("planned", Integer),
    # the run this one resumes, if any
    optional("resumed_from", Integer, ForeignKey("runs.id")),
)

#: One check of one link in one run: every check is kept (history).
checks = Table(
    "checks",
    metadata,
    key("id"),
    required("run_id", Integer, cascading("runs")),
    required("link_id", Integer, cascading("links")),
    required("checked_at", UTCDateTime),
    required("verdict", enum_string()),
    optional("status_code", Integer),
    optional("final_url", Text),
    optional("error_kind", enum_string()),
    optional("error", Text),
    optional("title", Text),
    optional("fingerprint", String(128)),
    optional("elapsed_ms", Float),
    required("attempts", Integer),
    required("method", String(16)),
    # the link's state before and after this check (a transition when they differ)
    optional("state_before", enum_string()),
    optional("state_after", enum_string()),
    Index("ix_checks_link_id_checked_at", "link_id", "checked_at"),
    Index("ix_checks_run_id_link_id", "run_id", "link_id"),
    Index("ix_checks_run_id_verdict", "run_id", "verdict"),
    # a run's state transitions (``Store.changes``) without reading its other checks
    Index("ix_checks_run_id_state_after", "run_id", "state_after"),
)

#: One response along a check's redirect chain, in order (``position`` from 0).
hops = Table(
    "hops",
    metadata,
    Column("check_id", Integer, cascading("checks"), primary_key=True),
    Column("position", Integer, primary_key=True),
    required("url", Text),
    required("status_code", Integer),
    optional("location", Text),
)

#: One archive look-up for a link (found or not); the newest one counts.
snapshots = Table(
    "snapshots",
    metadata,
    key("id"),
    required("link_id", Integer, cascading("links")),
    required("looked_up_at", UTCDateTime),
    required("direction", enum_string()),
    optional("archive_url", Text),
    optional("captured_at", UTCDateTime),
    optional("status_code", Integer),
    optional("cited_at", Date),
    optional("distance_seconds", Float),
    optional("error", Text),
    Index("ix_snapshots_link_id_looked_up_at", "link_id", "looked_up_at"),
)

#: One Save Page Now job's outcome.
saves = Table(
    "saves",
    metadata,
    key("id"),
    required("link_id", Integer, cascading("links")),
    # indexed on its own for the daily cap ("how many saves since midnight")
    required("requested_at", UTCDateTime, index=True),
    required("status", enum_string()),
    optional("job_id", String(255)),
    optional("archive_url", Text),
    optional("captured_at", UTCDateTime),
    optional("status_ext", String(255)),
    optional("error", Text),
    Index("ix_saves_link_id_requested_at", "link_id", "requested_at"),
)
