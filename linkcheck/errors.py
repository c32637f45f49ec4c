"""The run's exception tree.

A link's outcome is data (:class:`linkcheck.types.CheckResult`); exceptions are
for the run as a whole.  The CLI maps them to exit codes in one place::

    LinkcheckError
    ├── UsageError            exit 2: bad options, configuration or input
    │   ├── ConfigError       a configuration file or value is wrong
    │   └── InputError        an input path does not exist or cannot be read
    └── RunError              exit 3: the work could not be carried out
        ├── NetworkUnreachable    nothing at all could be reached
        ├── DatabaseError         the database is unreadable, locked or too new
        │   ├── DatabaseBusy      another run holds the database
        │   └── SchemaTooNew      the database was written by a newer linkcheck
        └── ArchiveError          the archive could not be used at all
"""

from __future__ import annotations


class LinkcheckError(Exception):
    """Base of every error linkcheck raises on purpose."""

    exit_code: int = 3


class UsageError(LinkcheckError):
    exit_code = 2


class ConfigError(UsageError):
    """A configuration file, key or value is wrong; the message names it."""


class InputError(UsageError):
    """An input path does not exist or cannot be read at all."""


class RunError(LinkcheckError):
    exit_code = 3


class NetworkUnreachable(RunError):
    """Nothing at all could be reached: nothing is recorded as dead."""


class DatabaseError(RunError):
    """The database cannot be opened, read or written."""


class DatabaseBusy(DatabaseError):
    """Another linkcheck run is using the database."""


class SchemaTooNew(DatabaseError):
    """The database schema is newer than this version of linkcheck knows."""


class ArchiveError(RunError):
    """The web archive could not be used (down, refusing, or credentials missing)."""
