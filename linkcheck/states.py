"""Link states across runs: never call a source dead because of one bad night.

A pure state machine over check verdicts (see DESIGN.md, "LinkState"):

* only ``dead`` and ``soft_404`` checks count toward death;
* ``alive`` and ``moved`` checks reset the count (a link that was failing or
  dead becomes ``recovered``, then ``alive`` on the next good check);
* transient verdicts (``error``, ``blocked``) and ``invalid``/``skipped``
  neither count nor reset;
* a link is confirmed ``dead`` after at least ``confirm_checks`` counted
  failures spanning at least ``confirm_days`` days (InternetArchiveBot's rule:
  a dead signal, then more at least a few days apart).  A CI run can use
  ``confirm_checks=1, confirm_days=0`` to decide at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from linkcheck.types import GONE_VERDICTS, LinkState, Verdict

_GOOD = frozenset({Verdict.ALIVE, Verdict.MOVED})


@dataclass(frozen=True, slots=True)
class DeathPolicy:
    """When failing checks confirm a death, and how soon links are re-checked."""

    confirm_checks: int = 3
    confirm_days: float = 3.0
    #: How soon a failing (or undecided) link is due again.  Under a day on
    #: purpose: a nightly run starts at about the same time each night but
    #: checks a link at any point of its hours of work, so a link checked at
    #: 03:00 with a one-day interval would not be due when the next run starts
    #: at 01:00 and would wait a second night.  20 hours keeps every link a
    #: run of up to four hours checked due on the next night's run.
    recheck_failing: timedelta = timedelta(hours=20)
    #: how long a good verdict stays fresh before the link is due again
    recheck_alive: timedelta = timedelta(days=7)
    #: How long a confirmed-dead link waits before it is checked again: a
    #: death is settled, but a site can come back.  Spread like good links.
    recheck_dead: timedelta = timedelta(days=7)

    @classmethod
    def immediate(cls) -> DeathPolicy:
        """One failing check is enough: for CI runs."""
        return cls(confirm_checks=1, confirm_days=0.0)


@dataclass(frozen=True, slots=True)
class LinkHistory:
    """What the state machine remembers about one link."""

    state: LinkState | None = None
    fail_count: int = 0
    first_failed_at: datetime | None = None
    confirmed_dead_at: datetime | None = None


#: Where every good check leads (shared: the writer advances every link it stores).
_ALIVE = LinkHistory(state=LinkState.ALIVE)
_RECOVERED = LinkHistory(state=LinkState.RECOVERED)


def advance(
    history: LinkHistory, verdict: Verdict, checked_at: datetime, policy: DeathPolicy
) -> LinkHistory:
    """The link's history after one more check."""
    if verdict in GONE_VERDICTS:
        return _count_failure(history, checked_at, policy)
    if verdict in _GOOD:
        was_bad = history.state in (LinkState.FAILING, LinkState.DEAD)
        return _RECOVERED if was_bad else _ALIVE
    return history  # transient or not checkable: tells us nothing about death


def _count_failure(history: LinkHistory, checked_at: datetime, policy: DeathPolicy) -> LinkHistory:
    first = history.first_failed_at or checked_at
    counted = replace(history, fail_count=history.fail_count + 1, first_failed_at=first)
    if history.state is LinkState.DEAD:
        return counted
    span = checked_at - first
    confirmed = counted.fail_count >= policy.confirm_checks and span >= timedelta(
        days=policy.confirm_days
    )
    if confirmed:
        return replace(counted, state=LinkState.DEAD, confirmed_dead_at=checked_at)
    return replace(counted, state=LinkState.FAILING)


def next_check_due(
    history: LinkHistory, verdict: Verdict, checked_at: datetime, policy: DeathPolicy, spread: float
) -> datetime:
    """When the link should be checked again.

    Failing and undecided links come back on the next night (``recheck_failing``),
    confirmed-dead ones after ``recheck_dead`` whatever the verdict (a
    transient ``error`` says nothing new about a death), good ones after
    ``recheck_alive``.  ``spread`` (0 ≤ spread < 1, stable per link, e.g. from a
    hash of its URL) stretches the good and the dead intervals by up to a
    quarter so links checked in one night are re-checked evenly over several
    nights instead of all on the same one.
    """
    stretch = 1.0 + 0.25 * spread
    if history.state is LinkState.DEAD:
        return checked_at + policy.recheck_dead * stretch
    if verdict in _GOOD and history.state is not LinkState.RECOVERED:
        return checked_at + policy.recheck_alive * stretch
    return checked_at + policy.recheck_failing
