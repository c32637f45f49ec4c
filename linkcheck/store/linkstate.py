"""Advancing each link's state (:mod:`linkcheck.states`) over one batch of check results.

Pure computation: the writer reads the batch's stored histories in one query,
hands them here, and writes back what comes out with executemany.  Results are
applied in ``checked_at`` order; a result older than the link's latest check
(a late batch, a resumed run) is kept as history but changes nothing, so it
can never rewind a newer state.

This runs once per checked URL, so it builds plain tuples rather than value
objects.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from linkcheck.states import DeathPolicy, LinkHistory, advance, next_check_due
from linkcheck.store.convert import utc
from linkcheck.store.links import StoredLink
from linkcheck.types import CheckResult, LinkState

_SPREAD_SCALE = 2.0**32

#: A link's state before and after one check (equal when nothing changed).
Transition = tuple[LinkState | None, LinkState | None]


class LinkAdvance(NamedTuple):
    """What one link's row becomes after the batch: its latest check and new history."""

    link_id: int
    #: position in the batch of the result that is now the link's latest check
    position: int
    verdict: str
    due: datetime
    #: the new history, or ``None`` when it did not change (most nights, for most links)
    history: LinkHistory | None


class BatchAdvance(NamedTuple):
    """The outcome of :func:`advance_batch`."""

    #: each result's transition, in batch order
    transitions: list[Transition]
    #: each result's ``checked_at`` as aware UTC, in batch order
    moments: list[datetime]
    #: one entry per link whose latest check is in the batch
    links: list[LinkAdvance]


def spread_of(url: str) -> float:
    """A number in [0, 1) that is the same for a URL on every run (spreads re-checks out)."""
    return zlib.crc32(url.encode()) / _SPREAD_SCALE


def advance_batch(
    batch: Sequence[CheckResult], stored: dict[str, StoredLink], policy: DeathPolicy
) -> BatchAdvance:
    """Each result's transition, and the new values of each link the batch advanced."""
    moments = [utc(result.checked_at) for result in batch]
    transitions: list[Transition] = [(None, None)] * len(batch)
    current: dict[str, tuple[LinkHistory, datetime | None]] = {
        url: (link.history, link.last_checked_at) for url, link in stored.items()
    }
    advanced: dict[str, LinkAdvance] = {}
    # sorted() is stable: results with equal times keep the order they were added in.
    for index in sorted(range(len(batch)), key=moments.__getitem__):
        result, at = batch[index], moments[index]
        url, verdict = result.url, result.verdict
        before, last_checked_at = current[url]
        if last_checked_at is not None and at < last_checked_at:
            transitions[index] = (before.state, before.state)
            continue
        after = advance(before, verdict, at, policy)
        transitions[index] = (before.state, after.state)
        current[url] = (after, at)
        link = stored[url]
        advanced[url] = LinkAdvance(
            link.id,
            index,
            verdict.value,
            next_check_due(after, verdict, at, policy, spread_of(url)),
            None if after == link.history else after,
        )
    return BatchAdvance(transitions, moments, list(advanced.values()))
