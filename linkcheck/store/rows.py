"""Plain rows in bulk: through the SQLite driver's ``executemany``, or through Core.

SQLAlchemy's processing of every parameter of every row costs more than
SQLite's own work for the bulk inserts of a scan and of the result writer.  On
SQLite the rows therefore go to the driver with their values already in the
form the columns store (:attr:`Rows.moment`, :attr:`Rows.day`); other databases
get the same rows through Core.  Tests keep both paths writing the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert

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

    def insert(
        self,
        table: Table,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        *,
        unless_present: str | None = None,
    ) -> None:
        """Insert ``rows`` (values in ``columns`` order); ``unless_present`` names a
        unique column whose existing values are skipped (driver path only: Core
        callers pass their own statement to :meth:`insert_core`)."""
        if not rows:
            return
        if self.through_driver:
            self.connection.exec_driver_sql(_insert_sql(table, columns, unless_present), rows)
        else:
            self.insert_core(insert(table), columns, rows)

    def insert_core(
        self, statement: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        self.connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])


def _insert_sql(table: Table, columns: Sequence[str], unless_present: str | None) -> str:
    placeholders = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    return sql if unless_present is None else f"{sql} ON CONFLICT ({unless_present}) DO NOTHING"
