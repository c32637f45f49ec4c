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
from datetime import UTC, datetime
from typing import NamedTuple

from linkcheck.states import DeathPolicy, LinkHistory, advance, next_check_due
from linkcheck.store.convert import utc
from linkcheck.store.links import StoredLink
from linkcheck.types import CheckResult, LinkState, Verdict

_SPREAD_SCALE = 2.0**32

#: A link's state before and after one check (equal when nothing changed).
Transition = tuple[LinkState | None, LinkState | None]


#: What one link's row becomes after the batch: its id; the position in the batch
#: of the result that is now its latest check; that check's verdict (stored form)
#: and whether the row holds that verdict already; when the link is due again;
#: and its new history, or ``None`` when that did not change.  Most nights most
#: links keep their verdict and history, and a column left unwritten spares
#: SQLite its index entry.  A plain tuple: one is built per result.
LinkAdvance = tuple[int, int, str, bool, datetime, LinkHistory | None]


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
    # Results come from ``datetime.now(UTC)``: convert only the others.
    moments = [at if at.tzinfo is UTC else utc(at) for at in (r.checked_at for r in batch)]
    transitions: list[Transition] = [(None, None)] * len(batch)
    #: links a result of this batch already advanced: their history and latest check
    current: dict[str, tuple[LinkHistory, datetime]] = {}
    advanced: dict[str, LinkAdvance] = {}
    # sorted() is stable: results with equal times keep the order they were added in.
    for index in sorted(range(len(batch)), key=moments.__getitem__):
        result, at = batch[index], moments[index]
        url, verdict = result.url, result.verdict
        link_id, stored_history, stored_checked_at, stored_verdict = stored[url]
        seen = current.get(url)
        if seen is None:
            before, last_checked_at = stored_history, stored_checked_at
        else:
            before, last_checked_at = seen
        if last_checked_at is not None and at < last_checked_at:
            transitions[index] = (before.state, before.state)
            continue
        after = advance(before, verdict, at, policy)
        transitions[index] = (before.state, after.state)
        current[url] = (after, at)
        verdict_value = _VERDICT_VALUES[verdict]
        advanced[url] = (
            link_id,
            index,
            verdict_value,
            verdict_value == stored_verdict,
            next_check_due(after, verdict, at, policy, spread_of(url)),
            None if after == stored_history else after,
        )
    return BatchAdvance(transitions, moments, list(advanced.values()))


_VERDICT_VALUES = {verdict: verdict.value for verdict in Verdict}
