"""Nights of checks: states advance in the writer; changes() reports each transition once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkcheck.states import DeathPolicy
from linkcheck.store import Store
from linkcheck.types import CitationRef, LinkState, Role, RunStatus, Verdict
from tests.store.store_factories import citation, document, link_columns, result, run_night

DAY0 = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
A, B, C = (f"https://example.org/{name}" for name in "abc")


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


def state_of(store: Store, url: str, run_id: int) -> LinkState | None:
    (row,) = [row for row in store.link_rows(run_id=run_id) if row.url == url]
    return row.state


def test_a_link_that_fails_twice_then_recovers_never_becomes_dead(
    store: Store, db_url: str
) -> None:
    nights = [Verdict.DEAD, Verdict.DEAD, Verdict.ALIVE, Verdict.DEAD, Verdict.SOFT_404]
    states = []
    for n, verdict in enumerate(nights):
        run = run_night(store, result(A, verdict, at=day(2 * n)))
        states.append(state_of(store, A, run))
    assert states == [
        LinkState.FAILING,
        LinkState.FAILING,
        LinkState.RECOVERED,
        LinkState.FAILING,
        LinkState.FAILING,
    ]
    link = link_columns(A, db_url)
    assert link["confirmed_dead_at"] is None
    assert link["fail_count"] == 2  # the recovery reset the count


def test_failing_n_times_over_d_days_confirms_death_exactly_once(store: Store) -> None:
    policy = DeathPolicy(confirm_checks=3, confirm_days=3)
    runs = [run_night(store, result(A, Verdict.DEAD, at=day(n)), policy=policy) for n in range(6)]
    rows = [next(iter(store.link_rows(run_id=run))) for run in runs]
    # Three failures after two days are not enough: the span must reach three days.
    assert [row.state for row in rows] == [LinkState.FAILING] * 3 + [LinkState.DEAD] * 3
    assert {row.confirmed_dead_at for row in rows[3:]} == {day(3)}
    assert all(row.first_failed_at == day(0) for row in rows)
    dead_transitions = [
        change
        for run in runs
        for change in store.changes(run_id=run, since_previous_completed=False)
        if change.after is LinkState.DEAD
    ]
    assert [(change.run_id, change.before) for change in dead_transitions] == [
        (runs[3], LinkState.FAILING)
    ]


def test_transient_verdicts_neither_count_nor_reset(store: Store, db_url: str) -> None:
    policy = DeathPolicy(confirm_checks=3, confirm_days=0)
    run_night(store, result(A, Verdict.DEAD, at=day(0)), policy=policy)
    for n, verdict in enumerate([Verdict.ERROR, Verdict.BLOCKED, Verdict.ERROR], start=1):
        run = run_night(store, result(A, verdict, at=day(n)), policy=policy)
        assert state_of(store, A, run) is LinkState.FAILING
        assert store.changes(run_id=run, since_previous_completed=False) == []
    assert link_columns(A, db_url)["fail_count"] == 1
    run_night(store, result(A, Verdict.DEAD, at=day(4)), policy=policy)
    assert link_columns(A, db_url)["fail_count"] == 2
    last = run_night(store, result(A, Verdict.SOFT_404, at=day(5)), policy=policy)
    assert state_of(store, A, last) is LinkState.DEAD


def test_changes_report_each_transition_once_in_the_run_where_it_happened(store: Store) -> None:
    store.sync_documents(
        [document("essay.txt", citation("essay.txt", A, 4), citation("essay.txt", B, 9))]
    )
    immediate = DeathPolicy.immediate()
    first = run_night(
        store, result(A, Verdict.ALIVE, at=day(0)), result(B, Verdict.ALIVE, at=day(0))
    )
    assert store.changes() == []  # first sight of good links is no news
    second = run_night(store, result(A, Verdict.DEAD, at=day(1), status_code=404), policy=immediate)
    (change,) = store.changes()
    assert (change.url, change.before, change.after) == (A, LinkState.ALIVE, LinkState.DEAD)
    assert change.run_id == second
    assert change.checked_at == day(1)
    assert change.citations == (CitationRef("essay.txt", (4,), Role.INLINE),)
    assert change.result is not None
    assert change.result.status_code == 404
    third = run_night(store, result(A, Verdict.DEAD, at=day(2)), policy=immediate)
    assert store.changes() == []  # still dead: nothing new
    fourth = run_night(store, result(A, Verdict.ALIVE, at=day(3)), policy=immediate)
    assert [(c.url, c.after, c.run_id) for c in store.changes()] == [
        (A, LinkState.RECOVERED, fourth)
    ]
    # Earlier runs still tell their own news.
    assert [c.run_id for c in store.changes(run_id=second)] == [second]
    assert store.changes(run_id=third) == []
    assert store.changes(run_id=first) == []


def test_changes_since_the_previous_completed_run_span_an_interrupted_one(store: Store) -> None:
    policy = DeathPolicy.immediate()
    run_night(store, result(A, Verdict.ALIVE, at=day(0)), result(B, Verdict.ALIVE, at=day(0)))
    broken = run_night(
        store, result(A, Verdict.DEAD, at=day(1)), policy=policy, status=RunStatus.INTERRUPTED
    )
    night = run_night(store, result(B, Verdict.DEAD, at=day(2)), policy=policy)
    assert [(c.url, c.run_id) for c in store.changes()] == [(A, broken), (B, night)]
    assert [c.url for c in store.changes(since_previous_completed=False)] == [B]
    run_night(store, result(C, Verdict.ALIVE, at=day(3)))
    assert store.changes() == []  # reported once, not again after the next completed run


def test_a_late_older_result_never_rewinds_a_newer_state(store: Store, db_url: str) -> None:
    policy = DeathPolicy.immediate()
    run_night(store, result(A, Verdict.DEAD, at=day(0)), policy=policy)
    run_night(store, result(A, Verdict.ALIVE, at=day(5)), policy=policy)
    late = run_night(store, result(A, Verdict.DEAD, at=day(3)), policy=policy)
    link = link_columns(A, db_url)
    assert link["state"] == LinkState.RECOVERED.value
    assert link["last_verdict"] == Verdict.ALIVE.value
    assert store.changes(run_id=late, since_previous_completed=False) == []
    assert [check.verdict for check in store.history(A)] == [
        Verdict.DEAD,
        Verdict.DEAD,
        Verdict.ALIVE,
    ]


def test_results_out_of_order_in_one_batch_are_applied_oldest_first(
    store: Store, db_url: str
) -> None:
    policy = DeathPolicy.immediate()
    run = run_night(
        store,
        result(A, Verdict.ALIVE, at=day(2)),
        result(A, Verdict.DEAD, at=day(1)),
        policy=policy,
    )
    assert link_columns(A, db_url)["state"] == LinkState.RECOVERED.value
    assert [(c.before, c.after) for c in store.changes(run_id=run)] == [
        (None, LinkState.DEAD),
        (LinkState.DEAD, LinkState.RECOVERED),
    ]


def test_link_rows_of_an_earlier_run_show_the_state_then(store: Store) -> None:
    policy = DeathPolicy(confirm_checks=2, confirm_days=1)
    first = run_night(store, result(A, Verdict.DEAD, at=day(0)), policy=policy)
    second = run_night(store, result(A, Verdict.DEAD, at=day(1)), policy=policy)
    (then,) = store.link_rows(run_id=first)
    (now,) = store.link_rows(run_id=second)
    assert (then.state, then.first_failed_at, then.confirmed_dead_at) == (
        LinkState.FAILING,
        day(0),
        None,
    )
    assert (now.state, now.first_failed_at, now.confirmed_dead_at) == (
        LinkState.DEAD,
        day(0),
        day(1),
    )
