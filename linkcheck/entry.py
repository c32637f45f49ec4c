"""The ``linkcheck`` command's process entry point: the collector is tuned, then the CLI runs.

Garbage-collector settings belong to the process, not to a library: only the
command (console script and ``python -m linkcheck``) sets them, never an import
of :mod:`linkcheck` from other Python code.
"""

from __future__ import annotations

import gc


def main() -> None:
    # Importing the CLI (aiohttp, SQLAlchemy, our models) creates a few hundred
    # thousand objects that all live until exit; with the collector on, start-up
    # rescans them again and again, a tenth of the import time.
    gc.disable()
    try:
        from linkcheck.cli import app
    finally:
        gc.enable()
    # A run keeps a large, long-lived heap (modules, queued work, results): with
    # the default thresholds the collector rescans it thousands of times.  Freezing
    # what exists after start-up, collecting young objects less often (cycles are
    # still collected, in larger batches) and freezing again at exit (so the
    # interpreter does not collect everything on its way out) takes a tenth or
    # more of a run's CPU off.
    gc.freeze()
    gc.set_threshold(_YOUNG_OBJECTS_PER_COLLECTION, 20, 10)
    try:
        app()
    finally:
        gc.freeze()


#: Allocations (net of frees) between two collections of the youngest generation (Python: 700).
_YOUNG_OBJECTS_PER_COLLECTION = 5_000

__all__ = ["main"]
