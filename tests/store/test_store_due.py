"""Which links a night checks with max_age: new first, failing always, good ones when due."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from linkcheck.states import DeathPolicy
from linkcheck.store import Store
from linkcheck.types import Verdict
from tests.store.store_factories import citation, document, execute, result, run_night

NIGHT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
GOOD, BAD, NEW, SHAKY = (f"https://example.org/{name}" for name in ("good", "bad", "new", "shaky"))


def scan(store: Store, *urls: str) -> None:
    store.sync_documents([document("d.txt", *(citation("d.txt", url, 1) for url in urls))])


def due(store: Store, at: datetime, **options: object) -> list[str]:
    return list(store.links_to_check(max_age=WEEK, now=at, **options))  # type: ignore[arg-type]


def test_good_links_wait_until_due_while_failing_ones_are_always_due(store: Store) -> None:
    scan(store, GOOD, BAD, SHAKY)
    run_night(
        store,
        result(GOOD, Verdict.ALIVE, at=NIGHT),
        result(BAD, Verdict.DEAD, at=NIGHT),
        result(SHAKY, Verdict.ERROR, at=NIGHT),
        recheck_good=WEEK,
    )
    assert due(store, NIGHT + timedelta(hours=1)) == [BAD, SHAKY]
    assert due(store, NIGHT + WEEK - timedelta(minutes=1)) == [BAD, SHAKY]
    assert due(store, NIGHT + WEEK * 1.25) == [BAD, SHAKY, GOOD]


def test_never_checked_come_first_then_failing_then_the_longest_overdue(store: Store) -> None:
    older, newer = "https://example.org/older", "https://example.org/newer"
    scan(store, older, newer, BAD)
    run_night(store, result(older, Verdict.ALIVE, at=NIGHT - WEEK * 3))
    run_night(store, result(newer, Verdict.ALIVE, at=NIGHT - WEEK * 2))
    run_night(store, result(BAD, Verdict.SOFT_404, at=NIGHT - WEEK))
    links = (older, newer, BAD, NEW)  # the document changed: it cites one new link
    store.sync_documents(
        [document("d.txt", *(citation("d.txt", url, 1) for url in links), content_hash="v2")]
    )
    assert due(store, NIGHT) == [NEW, BAD, older, newer]
    assert due(store, NIGHT, limit=2) == [NEW, BAD]
    assert list(store.links_to_check(now=NIGHT)) == [older, newer, BAD, NEW]  # all, by id


def test_the_spread_brings_one_nights_links_due_over_several_days(store: Store) -> None:
    urls = [f"https://site{i % 7}.example/page/{i}" for i in range(300)]
    scan(store, *urls)
    run_night(store, *(result(url, Verdict.ALIVE, at=NIGHT) for url in urls), recheck_good=WEEK)
    first_due_day: Counter[int] = Counter()
    remaining = set(urls)
    for day in range(6, 10):
        became_due = remaining & set(due(store, NIGHT + timedelta(days=day, hours=12)))
        first_due_day[day] += len(became_due)
        remaining -= became_due
    assert not remaining
    assert first_due_day[6] == 0  # nothing before the interval is up
    assert [first_due_day[day] > 0 for day in (7, 8)] == [True, True]


def test_a_shorter_max_age_than_the_writer_used_still_bounds_staleness(store: Store) -> None:
    scan(store, GOOD)
    run_night(store, result(GOOD, Verdict.ALIVE, at=NIGHT))  # next check due in about a week
    day = timedelta(days=1)
    assert list(store.links_to_check(max_age=day, now=NIGHT + day * 1.2)) == []
    assert list(store.links_to_check(max_age=day, now=NIGHT + day * 1.3)) == [GOOD]


def test_links_checked_before_states_existed_are_due_after_max_age(
    store: Store, db_url: str
) -> None:
    scan(store, GOOD)
    run_night(store, result(GOOD, Verdict.ALIVE, at=NIGHT))
    execute(db_url, "UPDATE links SET next_check_at = NULL")  # as a 0001 database left it
    assert due(store, NIGHT + WEEK - timedelta(hours=1)) == []
    assert due(store, NIGHT + WEEK + timedelta(hours=1)) == [GOOD]


def test_documents_and_max_age_combine(store: Store) -> None:
    store.sync_documents(
        [
            document("one.txt", citation("one.txt", BAD, 1), citation("one.txt", GOOD, 2)),
            document("two.txt", citation("two.txt", SHAKY, 1)),
        ]
    )
    run_night(store, *(result(url, Verdict.DEAD, at=NIGHT) for url in (BAD, SHAKY)))
    run_night(store, result(GOOD, Verdict.ALIVE, at=NIGHT))
    assert due(store, NIGHT + timedelta(days=1), documents=["one.txt"]) == [BAD]


def test_confirmed_dead_links_come_back_weekly_while_failing_ones_come_every_night(
    store: Store,
) -> None:
    dead, failing, blocked = (f"https://example.org/{name}" for name in ("dead", "fail", "wall"))
    scan(store, dead, failing, blocked)
    decide_at_once = DeathPolicy.immediate()  # one failure confirms (dead); 2 needed (failing)
    run_night(store, result(dead, Verdict.DEAD, at=NIGHT), policy=decide_at_once)
    slow = DeathPolicy(confirm_checks=2, confirm_days=1)
    run_night(
        store,
        result(failing, Verdict.DEAD, at=NIGHT + timedelta(hours=2)),
        result(blocked, Verdict.BLOCKED, at=NIGHT + timedelta(hours=2)),
        policy=slow,
    )
    for night in range(1, 7):  # every night of the week: not the dead one
        assert due(store, NIGHT + timedelta(days=night)) == [failing, blocked]
    # A week on (stretched by up to a quarter), the dead link is checked again,
    # first among the bad ones: it has waited longest.
    assert due(store, NIGHT + decide_at_once.recheck_dead * 1.25) == [dead, failing, blocked]
