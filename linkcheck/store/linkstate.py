"""Advancing each link's state (:mod:`linkcheck.states`) over one batch of check results.

Pure computation: the writer reads the batch's stored histories in one query,
hands them here, and writes back what comes out with executemany.  Results are
applied in ``checked_at`` order; a result older than the link's latest check
(a late batch, a resumed run) is kept as history but changes nothing, so it
can never rewind a newer state.

This runs once per checked URL, so it builds plain tuples and dicts rather
than value objects.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from linkcheck.states import DeathPolicy, LinkHistory, advance, next_check_due
from linkcheck.store.convert import utc
from linkcheck.store.links import StoredLink
from linkcheck.types import CheckResult, LinkState

_SPREAD_SCALE = 2.0**32

#: A link's state before and after one check (equal when nothing changed).
Transition = tuple[LinkState | None, LinkState | None]


def spread_of(url: str) -> float:
    """A number in [0, 1) that is the same for a URL on every run (spreads re-checks out)."""
    return zlib.crc32(url.encode()) / _SPREAD_SCALE


def advance_batch(
    batch: Sequence[CheckResult], stored: dict[str, StoredLink], policy: DeathPolicy
) -> tuple[list[Transition], list[dict[str, Any]]]:
    """Each result's transition (in batch order), and the new values of each advanced link.

    A link's values are keyed as :mod:`linkcheck.store.writer` binds them;
    ``"index"`` is the position in ``batch`` of the result that is now the
    link's latest check (the writer swaps it for that check's id).  The history
    columns (``"new_state"`` …) are there only when the history changed: most
    nights most links stay alive, and their update is then half as wide.
    """
    moments = [utc(result.checked_at) for result in batch]
    transitions: list[Transition] = [(None, None)] * len(batch)
    current: dict[str, tuple[LinkHistory, datetime | None]] = {
        url: (link.history, link.last_checked_at) for url, link in stored.items()
    }
    updates: dict[str, dict[str, Any]] = {}
    # sorted() is stable: results with equal times keep the order they were added in.
    for index in sorted(range(len(batch)), key=moments.__getitem__):
        result, at = batch[index], moments[index]
        before, last_checked_at = current[result.url]
        if last_checked_at is not None and at < last_checked_at:
            transitions[index] = (before.state, before.state)
            continue
        after = advance(before, result.verdict, at, policy)
        transitions[index] = (before.state, after.state)
        current[result.url] = (after, at)
        values: dict[str, Any] = {
            "link": stored[result.url].id,
            "at": at,
            "verdict": result.verdict.value,
            "index": index,
            "due": next_check_due(after, result.verdict, at, policy, spread_of(result.url)),
        }
        if after != stored[result.url].history:
            values.update(_history_values(after))
        updates[result.url] = values
    return transitions, list(updates.values())


def _history_values(history: LinkHistory) -> dict[str, Any]:
    return {
        "new_state": history.state.value if history.state is not None else None,
        "fails": history.fail_count,
        "first_failed": history.first_failed_at,
        "dead_at": history.confirmed_dead_at,
    }
