"""The database tables, as typed SQLAlchemy models.

The models define the schema.  A new database is created from them at the
newest revision (``create_all``, then Alembic's version row: no migration to
replay), an older one is brought up to date by the revisions in ``migrations/``,
and tests prove both paths give the same schema.  The rest of ``store``
runs Core statements against these tables (bulk inserts are far cheaper than
one ORM object per row), and no model instance ever leaves the package.

Conventions:

* Datetimes are stored as naive UTC (SQLite has no time zones) and come back
  timezone-aware: :class:`UTCDateTime` does the conversion in both directions.
* Enumerations are stored as short strings, not database enums, so adding a
  verdict or an error kind never needs a migration.
* Constraint names follow a naming convention so that later SQLite batch
  migrations can drop or alter them by name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        date: Date(),
        str: Text(),
    }


class DocumentModel(Base):
    """One input document, identified by its path; the hash says whether it changed."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(unique=True)
    format: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    content_hash: Mapped[str] = mapped_column(String(128))
    own_url: Mapped[str | None]
    cited_at: Mapped[date | None]
    first_seen_at: Mapped[datetime]
    #: when the content (hash) last changed
    updated_at: Mapped[datetime]
    #: when a scan last found the document (see ``Store.touch_documents``)
    last_seen_at: Mapped[datetime]
    #: the file's absolute path, when known (revision 0005; standard input has none):
    #: the path above is relative to the working directory of the scan that stored it
    location: Mapped[str | None] = mapped_column(index=True)


class LinkModel(Base):
    """One normalized URL, whoever cites it, with its latest verdict denormalised.

    The state columns (``state`` … ``next_check_at``) serve the link state
    machine across nightly runs; the checker's writer keeps ``last_*`` current.
    """

    __tablename__ = "links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(unique=True)
    first_seen_at: Mapped[datetime]
    last_checked_at: Mapped[datetime | None] = mapped_column(index=True)
    #: indexed for the due-link query ("last verdict was not good")
    last_verdict: Mapped[str | None] = mapped_column(String(ENUM_LENGTH), index=True)
    #: id of the latest check (no foreign key: checks may be pruned)
    last_check_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str | None] = mapped_column(String(ENUM_LENGTH), index=True)
    fail_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_failed_at: Mapped[datetime | None]
    confirmed_dead_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)


class CitationModel(Base):
    """One URL cited by one document (lines stored as ``"3,17"``)."""

    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"), index=True)
    url_as_written: Mapped[str]
    lines: Mapped[str]
    role: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    title: Mapped[str | None]
    cited_at: Mapped[date | None]
    fragment: Mapped[str | None]


class RunModel(Base):
    """One ``linkcheck check`` run; ``heartbeat_at``/``pid``/``host`` serve the run lock."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(ENUM_LENGTH), index=True)
    inputs: Mapped[list[str]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    heartbeat_at: Mapped[datetime | None]
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    #: how many links the run meant to check (for progress and resume)
    planned: Mapped[int | None] = mapped_column(Integer)
    #: the run this one resumes, if any
    resumed_from: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    #: why a failed run stopped: the message of the error that ended it
    error: Mapped[str | None]
    #: The run's own checks per verdict (``{"dead": 3, "alive": 2}``), written when it
    #: ends: what it found, however ``db prune`` thins its checks later.  JSON, not a
    #: column per verdict, so a new verdict needs no migration.  ``None`` while the
    #: run is running, and for runs recorded before revision 0004: count their checks.
    counts: Mapped[dict[str, int] | None] = mapped_column(JSON(none_as_null=True))


class CheckModel(Base):
    """One check of one link in one run: every check is kept (history)."""

    __tablename__ = "checks"
    __table_args__ = (
        Index("ix_checks_link_id_checked_at", "link_id", "checked_at"),
        Index("ix_checks_run_id_link_id", "run_id", "link_id"),
        Index("ix_checks_run_id_verdict", "run_id", "verdict"),
        # a run's state transitions (``Store.changes``) without reading its other checks
        Index("ix_checks_run_id_state_after", "run_id", "state_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    checked_at: Mapped[datetime]
    verdict: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    status_code: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None]
    error_kind: Mapped[str | None] = mapped_column(String(ENUM_LENGTH))
    error: Mapped[str | None]
    title: Mapped[str | None]
    fingerprint: Mapped[str | None] = mapped_column(String(128))
    elapsed_ms: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    #: the link's state before and after this check (a transition when they differ)
    state_before: Mapped[str | None] = mapped_column(String(ENUM_LENGTH))
    state_after: Mapped[str | None] = mapped_column(String(ENUM_LENGTH))


class HopModel(Base):
    """One response along a check's redirect chain, in order (``position`` from 0)."""

    __tablename__ = "hops"

    check_id: Mapped[int] = mapped_column(
        ForeignKey("checks.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str]
    status_code: Mapped[int] = mapped_column(Integer)
    location: Mapped[str | None]


class SnapshotModel(Base):
    """One archive look-up for a link (found, not found, or failed); the newest answer
    counts, and a failed look-up only when there is no answer."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_link_id_looked_up_at", "link_id", "looked_up_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    looked_up_at: Mapped[datetime]
    direction: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    archive_url: Mapped[str | None]
    captured_at: Mapped[datetime | None]
    status_code: Mapped[int | None] = mapped_column(Integer)
    cited_at: Mapped[date | None]
    distance_seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None]


class SaveModel(Base):
    """One Save Page Now job's outcome."""

    __tablename__ = "saves"
    __table_args__ = (Index("ix_saves_link_id_requested_at", "link_id", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    #: indexed on its own for the daily cap ("how many saves since midnight")
    requested_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    job_id: Mapped[str | None] = mapped_column(String(255))
    archive_url: Mapped[str | None]
    captured_at: Mapped[datetime | None]
    status_ext: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None]


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model (typed as a ``Table`` for ``insert``/``update``)."""
    return cast(Table, model.__table__)


documents = table_of(DocumentModel)
links = table_of(LinkModel)
citations = table_of(CitationModel)
runs = table_of(RunModel)
checks = table_of(CheckModel)
hops = table_of(HopModel)
snapshots = table_of(SnapshotModel)
saves = table_of(SaveModel)
