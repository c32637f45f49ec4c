"""`linkcheck history URL` shows when a source started failing and when it was confirmed dead.

``Store.link_history`` gives each check with the link's state after it, and
``render_history`` (what the ``history`` command prints) shows those states,
the state now, ``first_failed_at`` and ``confirmed_dead_at``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from linkcheck.report.history import render_history
from linkcheck.states import DeathPolicy
from linkcheck.store import Store
from linkcheck.types import Hop, LinkState, Verdict
from tests.store.store_factories import citation, document, execute, result, run_night

DAY0 = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
URL = "https://example.org/essay"
#: Two failing checks a day apart confirm a death.
POLICY = DeathPolicy(confirm_checks=2, confirm_days=1)
#: alive; dead (failing from day 1); error (still failing); dead (confirmed on day 3)
NIGHTS = (Verdict.ALIVE, Verdict.DEAD, Verdict.ERROR, Verdict.DEAD)
STATES_AFTER = [LinkState.ALIVE, LinkState.FAILING, LinkState.FAILING, LinkState.DEAD]
OLD_JSON_KEYS = {"url", "citations", "checks", "snapshot"}
OLD_CHECK_KEYS = {
    *("checked_at", "verdict", "status_code", "final_url", "error_kind", "error"),
    *("attempts", "elapsed_ms", "hops"),
}


def at(day: int) -> datetime:
    return DAY0 + timedelta(days=day)


def nights(store: Store, verdicts: tuple[Verdict, ...] = NIGHTS) -> None:
    store.sync_documents([document("notes.md", citation("notes.md", URL, 4))])
    for day, verdict in enumerate(verdicts):
        status = 404 if verdict is Verdict.DEAD else 200
        checked = result(URL, verdict, at=at(day), hops=(Hop(URL, status),), status_code=status)
        run_night(store, checked, policy=POLICY)


def history_of(store: Store, format: str) -> str:
    return render_history(
        URL, store.link_history(URL), store.citations_of(URL), store.latest_snapshot(URL), format
    )


def test_each_check_carries_the_state_it_left_the_link_in(store: Store) -> None:
    nights(store)
    rows = store.link_history(URL)
    assert [row.result.verdict for row in rows if row.result] == list(NIGHTS)
    assert [row.state for row in rows] == STATES_AFTER
    now = rows[-1]
    assert (now.first_failed_at, now.confirmed_dead_at) == (at(1), at(3))
    assert [row.result for row in rows] == store.history(URL)  # the same checks


def test_history_json_says_when_the_source_failed_and_died(store: Store) -> None:
    nights(store)
    shown = json.loads(history_of(store, "json"))
    assert shown.keys() >= OLD_JSON_KEYS  # a contract: fields are added, never renamed
    assert (shown["state"], shown["first_failed_at"], shown["confirmed_dead_at"]) == (
        "dead",
        at(1).isoformat(),
        at(3).isoformat(),
    )
    assert [check["state"] for check in shown["checks"]] == [str(s) for s in STATES_AFTER]
    assert all(check.keys() >= OLD_CHECK_KEYS for check in shown["checks"])
    assert [check["verdict"] for check in shown["checks"]] == [str(v) for v in NIGHTS]


def test_history_text_shows_the_state_now_and_after_each_check(store: Store) -> None:
    nights(store)
    text = history_of(store, "text").splitlines()
    assert text[1] == (f"state: dead (confirmed {at(3).date()}; failing since {at(1).date()})")
    check_lines = [line for line in text if line.startswith(f"  {DAY0.year}-")]
    assert [line.split()[1:3] for line in check_lines] == [
        [str(verdict), str(state)] for verdict, state in zip(NIGHTS, STATES_AFTER, strict=True)
    ]


def test_a_recovered_link_has_no_failure_dates_but_keeps_its_past_states(store: Store) -> None:
    nights(store, (*NIGHTS, Verdict.ALIVE))
    shown = json.loads(history_of(store, "json"))
    assert (shown["state"], shown["first_failed_at"], shown["confirmed_dead_at"]) == (
        "recovered",
        None,
        None,
    )
    assert [check["state"] for check in shown["checks"]] == [
        *map(str, STATES_AFTER),
        "recovered",
    ]
    assert history_of(store, "text").splitlines()[1] == "state: recovered"


def test_a_failing_link_is_failing_since_its_first_failure(store: Store) -> None:
    nights(store, NIGHTS[:3])
    shown = json.loads(history_of(store, "json"))
    assert (shown["state"], shown["first_failed_at"], shown["confirmed_dead_at"]) == (
        "failing",
        at(1).isoformat(),
        None,
    )
    assert history_of(store, "text").splitlines()[1] == f"state: failing since {at(1).date()}"


def test_checks_from_before_states_were_stored_show_none_but_the_link_state_now(
    store: Store, db_url: str
) -> None:
    nights(store)
    execute(db_url, "UPDATE checks SET state_before = NULL, state_after = NULL")
    rows = store.link_history(URL)
    assert [row.state for row in rows] == [None, None, None, LinkState.DEAD]
    shown = json.loads(history_of(store, "json"))
    assert [check["state"] for check in shown["checks"]] == [None, None, None, "dead"]
    text = history_of(store, "text").splitlines()
    first_check = next(line for line in text if line.startswith(f"  {DAY0.year}-"))
    assert first_check.split()[1:3] == ["alive", "-"]


def test_an_unknown_link_has_no_history(store: Store) -> None:
    assert store.link_history("https://example.org/never-cited") == []
    shown = json.loads(render_history(URL, [], [], None, "json"))
    assert (shown["state"], shown["first_failed_at"], shown["confirmed_dead_at"]) == (
        None,
        None,
        None,
    )
