"""The link state machine: deaths are confirmed, never called on one bad night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linkcheck.states import DeathPolicy, LinkHistory, advance, next_check_due
from linkcheck.types import LinkState, Verdict

NIGHT0 = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
POLICY = DeathPolicy(confirm_checks=3, confirm_days=3)


def nights(verdicts: str, policy: DeathPolicy = POLICY) -> list[LinkHistory]:
    """Feed one verdict a night (D=dead, S=soft_404, A=alive, E=error, B=blocked, M=moved)."""
    letters = {
        "D": Verdict.DEAD,
        "S": Verdict.SOFT_404,
        "A": Verdict.ALIVE,
        "E": Verdict.ERROR,
        "B": Verdict.BLOCKED,
        "M": Verdict.MOVED,
    }
    history = LinkHistory()
    seen = []
    for night, letter in enumerate(verdicts):
        history = advance(history, letters[letter], NIGHT0 + timedelta(days=night), policy)
        seen.append(history)
    return seen


def states(verdicts: str, policy: DeathPolicy = POLICY) -> str:
    short = {
        None: "-",
        LinkState.ALIVE: "a",
        LinkState.FAILING: "f",
        LinkState.DEAD: "d",
        LinkState.RECOVERED: "r",
    }
    return "".join(short[h.state] for h in nights(verdicts, policy))


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ("A", "a"),
        ("E", "-"),  # a first check that could not decide says nothing
        ("DDA", "ffr"),  # fails twice then recovers: never dead
        ("DDAA", "ffra"),
        ("DDDD", "fffd"),  # 4 failures spanning 3 days: confirmed on the fourth night
        ("DDDDDD", "fffddd"),
        ("DEDBDD", "ffffdd"),  # transient nights neither count nor reset
        ("DSDD", "fffd"),  # soft 404s count like dead
        ("DDDDA", "fffdr"),  # a dead link that answers again is recovered
        ("DDMDD", "ffrff"),  # a good (moved) answer resets the count
    ],
)
def test_state_sequence(verdicts: str, expected: str) -> None:
    assert states(verdicts) == expected


def test_three_checks_in_one_day_do_not_confirm_death() -> None:
    history = LinkHistory()
    for hour in range(5):
        history = advance(history, Verdict.DEAD, NIGHT0 + timedelta(hours=hour), POLICY)
    assert history.state is LinkState.FAILING
    assert history.fail_count == 5


def test_death_is_confirmed_exactly_once_with_its_dates() -> None:
    seen = nights("DDDDDD")
    confirmations = [h.confirmed_dead_at for h in seen if h.confirmed_dead_at]
    assert set(confirmations) == {NIGHT0 + timedelta(days=3)}
    assert seen[-1].first_failed_at == NIGHT0


def test_recovery_forgets_the_failures() -> None:
    recovered = nights("DDDDA")[-1]
    assert recovered == LinkHistory(state=LinkState.RECOVERED)


def test_ci_policy_decides_at_once() -> None:
    assert states("D", DeathPolicy.immediate()) == "d"


def test_failing_links_are_due_sooner_than_alive_ones() -> None:
    failing = nights("D")[-1]
    alive = nights("A")[-1]
    due_failing = next_check_due(failing, Verdict.DEAD, NIGHT0, POLICY, spread=0.5)
    due_alive = next_check_due(alive, Verdict.ALIVE, NIGHT0, POLICY, spread=0.0)
    assert due_failing == NIGHT0 + POLICY.recheck_failing
    assert due_alive == NIGHT0 + POLICY.recheck_alive
    assert due_failing < due_alive


def test_spread_stretches_good_links_by_at_most_a_quarter() -> None:
    alive = nights("A")[-1]
    latest = next_check_due(alive, Verdict.ALIVE, NIGHT0, POLICY, spread=0.999)
    assert NIGHT0 + POLICY.recheck_alive < latest < NIGHT0 + POLICY.recheck_alive * 1.25


def test_a_failing_link_checked_late_in_a_run_is_due_when_the_next_nights_run_starts() -> None:
    # A nightly run starts at 01:00 and checks links for hours; one checked at
    # 03:00 must not wait until 03:00 the next night, or it skips a night.
    failing = nights("D")[-1]
    late_in_the_run = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    next_run_starts = datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    due = next_check_due(failing, Verdict.DEAD, late_in_the_run, DeathPolicy(), spread=0.9)
    assert late_in_the_run < due <= next_run_starts


def test_a_confirmed_dead_link_waits_for_the_dead_interval_whatever_the_verdict() -> None:
    policy = DeathPolicy(confirm_checks=3, confirm_days=3, recheck_dead=timedelta(days=30))
    dead = nights("DDDD", policy)[-1]
    assert dead.state is LinkState.DEAD
    for verdict in (Verdict.DEAD, Verdict.SOFT_404, Verdict.ERROR, Verdict.BLOCKED):
        history = advance(dead, verdict, NIGHT0, policy)
        due = next_check_due(history, verdict, NIGHT0, policy, spread=0.0)
        assert due == NIGHT0 + timedelta(days=30)
    stretched = next_check_due(dead, Verdict.DEAD, NIGHT0, policy, spread=0.999)
    assert NIGHT0 + timedelta(days=30) < stretched < NIGHT0 + timedelta(days=30) * 1.25


def test_failing_and_undecided_links_that_are_not_dead_come_back_the_next_night() -> None:
    for verdicts, last in (("D", Verdict.DEAD), ("DE", Verdict.ERROR), ("DB", Verdict.BLOCKED)):
        history = nights(verdicts)[-1]
        assert history.state is LinkState.FAILING
        assert next_check_due(history, last, NIGHT0, POLICY, spread=0.9) < NIGHT0 + timedelta(
            days=1
        )
