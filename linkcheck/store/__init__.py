"""Storage: documents, links, citations, runs, checks, hops, snapshots and saves.

Use :class:`Store`; it speaks only the values of :mod:`linkcheck.types`.
"""

from __future__ import annotations

from linkcheck.store.api import Store
from linkcheck.store.db import DEFAULT_URL
from linkcheck.store.maintenance import DbStats, PruneStats
from linkcheck.store.runlock import Waiting
from linkcheck.store.sync import ScanStats
from linkcheck.store.writer import ResultWriter

__all__ = [
    "DEFAULT_URL",
    "DbStats",
    "PruneStats",
    "ResultWriter",
    "ScanStats",
    "Store",
    "Waiting",
]
