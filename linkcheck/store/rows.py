"""Plain rows in bulk: through the SQLite driver's ``executemany``, or through Core.

SQLAlchemy's processing of every parameter of every row costs more than
SQLite's own work for the bulk inserts of a scan and of the result writer.  On
SQLite the rows therefore go to the driver with their values already in the
form the columns store (:attr:`Rows.moment`, :attr:`Rows.day`); other databases
get the same rows through Core.  Tests keep both paths writing the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select

from linkcheck.store.convert import sqlite_datetime, utc


def _as_is(value: Any) -> Any:
    return value


def _stored_moment(moment: datetime) -> str:
    return sqlite_datetime(utc(moment))


def _stored_day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


class Rows:
    """Bulk inserts of tuples on one connection (``through_driver``: default on SQLite)."""

    def __init__(self, connection: Connection, through_driver: bool | None = None) -> None:
        self.connection = connection
        self.through_driver = (
            connection.dialect.name == "sqlite" if through_driver is None else through_driver
        )
        driver = self.through_driver
        #: a datetime in the form the statements bind
        self.moment: Callable[[datetime], object] = _stored_moment if driver else _as_is
        #: :attr:`moment` for a datetime known to be aware (one conversion less per value)
        self.aware_moment: Callable[[datetime], object] = sqlite_datetime if driver else _as_is
        #: a date (or None) in the form the statements bind
        self.day: Callable[[date | None], object] = _stored_day if driver else _as_is
        #: What stands for NULL in a column named in ``null_text`` (see :meth:`insert`).
        self.null_text: int | None = NULL_TEXT if driver else None

    def aware_moments(self, moments: list[datetime]) -> list[object]:
        """:attr:`aware_moment` of each of ``moments`` (one call for a batch)."""
        return list(map(self.aware_moment, moments))

    def next_id(self, table: Table) -> int:
        """The first id SQLite would give a new row of ``table``: one more than the largest.

        SQLite returns no ids from an ``executemany``, so bulk inserts number their
        rows themselves.  That is safe only inside a write transaction (``BEGIN
        IMMEDIATE``): it holds the database's only write lock from before this read
        until the commit, so no other writer can take the same ids.
        """
        last = self.connection.execute(select(func.max(table.c.id))).scalar_one_or_none()
        return (last or 0) + 1

    def insert(
        self,
        table: Table,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        *,
        unless_present: str | None = None,
        null_text: Collection[str] = (),
    ) -> None:
        """Insert ``rows`` (values in ``columns`` order); ``unless_present`` names a
        unique column whose existing values are skipped (driver path only: Core
        callers pass their own statement to :meth:`insert_core`).

        In the text columns named in ``null_text`` the rows hold :attr:`null_text`,
        not ``None``, for NULL.
        """
        if not rows:
            return
        if self.through_driver:
            sql = _insert_sql(table, columns, unless_present, null_text)
            self.connection.exec_driver_sql(sql, rows)
        else:
            self.insert_core(insert(table), columns, rows)

    def insert_core(
        self, statement: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        self.connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])


#: Bound through the driver for NULL in a text column whose placeholder is
#: ``NULLIF(?, 0)``.  Binding ``None`` costs the sqlite3 module a failed adapter
#: look-up per value, about as much as SQLite's own work for it; an integer costs
#: nothing, and SQLite never finds an integer equal to a text, so only this
#: stand-in becomes NULL (a text ``"0"`` stays itself).
NULL_TEXT = 0


def _insert_sql(
    table: Table, columns: Sequence[str], unless_present: str | None, null_text: Collection[str]
) -> str:
    placeholders = ", ".join(
        f"NULLIF(?, {NULL_TEXT})" if column in null_text else "?" for column in columns
    )
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    return sql if unless_present is None else f"{sql} ON CONFLICT ({unless_present}) DO NOTHING"
