"""The ``linkcheck`` command's process entry point: the collector is tuned and SIGTERM
handled, then the CLI runs.

Garbage-collector settings and signal handlers belong to the process, not to a
library: only the command (console script and ``python -m linkcheck``) sets
them, never an import of :mod:`linkcheck` from other Python code.
"""

from __future__ import annotations

import gc
import signal
from types import FrameType


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
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app()
    finally:
        gc.freeze()


def _interrupt(_signum: int, frame: FrameType | None) -> None:
    """SIGTERM (a cancelled CI job, systemd, ``timeout``) stops a run as Ctrl-C does.

    Killed outright, a run would leave its row "running" until the next one;
    stopped like this it is marked interrupted and ``--resume`` can finish it.
    Whatever handles SIGINT right now does the work (inside ``asyncio.run``,
    asyncio's handler cancels the run), so both signals take one path.
    """
    on_ctrl_c = signal.getsignal(signal.SIGINT)
    if callable(on_ctrl_c):
        on_ctrl_c(signal.SIGINT, frame)
    else:  # SIGINT ignored (a background job of a script): stop all the same
        raise KeyboardInterrupt


#: Allocations (net of frees) between two collections of the youngest generation (Python: 700).
_YOUNG_OBJECTS_PER_COLLECTION = 5_000

__all__ = ["main"]
