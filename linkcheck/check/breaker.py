"""A host that stops answering is given up on for the rest of the run.

A host that times out, refuses or resets every connection gives every link on it
the same ``error`` verdict, but only after each link has spent its retries and
their back-off: with a 30-second timeout and two retries, a thousand links on a
host that silently drops packets would hold the run for hours, eight at a time.
Once ``threshold`` links in a row on one host have ended unreachable (after their
retries), the host is treated as down: its remaining links get the same ``error``
at once, without a request, and say why.  They are never called ``dead`` (an
``error`` night counts for nothing in a link's state), so the next run asks again.

Any answer at all from the host (any status code), or a failure of another kind
(TLS, a protocol error), shows it is reachable and starts the count again.
"""

from __future__ import annotations

from dataclasses import dataclass

from linkcheck.check.scheduler import host_key
from linkcheck.types import ErrorKind

#: Failures that say the host could not be reached at all.
UNREACHABLE = frozenset({ErrorKind.TIMEOUT, ErrorKind.REFUSED, ErrorKind.RESET})


@dataclass(frozen=True, slots=True)
class HostDown:
    """Why a host is treated as down: how many links in a row failed, and how."""

    host: str
    failures: int
    kind: ErrorKind

    def reason(self) -> str:
        return (
            f"not requested: the last {self.failures} links on {self.host} ended in "
            f"{self.kind} after their retries, so the host is treated as down for this run"
        )


class HostBreaker:
    """Counts each host's unreachable links in a row; ``threshold`` of them (0: never)
    put the host down for the rest of the run.

    Memory: only hosts whose latest links failed are kept, so a run over a million
    healthy hosts keeps nothing.
    """

    def __init__(self, threshold: int) -> None:
        if threshold < 0:
            raise ValueError(f"threshold must be >= 0, got {threshold}")
        self._threshold = threshold
        self._failures: dict[str, int] = {}
        self._down: dict[str, HostDown] = {}

    def down(self, host: str) -> HostDown | None:
        """Why ``host`` is down, or None while it may still be asked."""
        return self._down.get(host_key(host)) if self._down else None

    def record(self, host: str, error_kind: ErrorKind | None) -> None:
        """Count one link's final outcome on ``host`` (``None``: the host answered)."""
        if not self._threshold:
            return
        name = host_key(host)
        if error_kind not in UNREACHABLE:
            self._failures.pop(name, None)
            return
        assert error_kind is not None  # in UNREACHABLE
        failures = self._failures.get(name, 0) + 1
        self._failures[name] = failures
        if failures >= self._threshold and name not in self._down:
            self._down[name] = HostDown(name, failures, error_kind)
