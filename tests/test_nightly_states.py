"""Nights of checks on a clock we control: deaths are confirmed, never called on one bad night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from linkcheck import pipeline
from linkcheck.config import load_settings
from linkcheck.store import Store
from linkcheck.types import LinkState, RunStatus
from tests.web import TestWeb

NIGHT0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


async def test_links_through_nights(tmp_path: Path, web: TestWeb) -> None:
    flaky, dying, steady = (web.url(f"/switch/{k}") for k in ("flaky", "dying", "steady"))
    doc = tmp_path / "links.md"
    doc.write_text(f"<{flaky}>\n<{dying}>\n<{steady}>\n")
    settings = load_settings(
        {"confirm_checks": 3, "confirm_days": 3, "retries": 0}, env={}, cwd=tmp_path
    )
    # flaky fails twice then recovers; dying fails every night from the first
    script = {"flaky": [404, 404, 200, 200, 200], "dying": [404, 410, 404, 404, 404]}
    changes_per_night: list[set[tuple[str, LinkState]]] = []
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        for night in range(5):
            for key, statuses in script.items():
                web.statuses[key] = statuses[night]
            moment = NIGHT0 + timedelta(days=night)
            outcome = await pipeline.check(store, [str(doc)], settings, now=lambda m=moment: m)
            changes_per_night.append(
                {(c.url, c.after) for c in store.changes(run_id=outcome.run_id)}
            )
        rows = {row.url: row for row in store.link_rows()}

    assert changes_per_night == [
        {(flaky, LinkState.FAILING), (dying, LinkState.FAILING)},
        set(),
        {(flaky, LinkState.RECOVERED)},
        {(dying, LinkState.DEAD)},  # the 4th failure, 3 days after the first
        set(),
    ]
    assert rows[dying].state is LinkState.DEAD
    assert rows[dying].confirmed_dead_at == NIGHT0 + timedelta(days=3)
    assert rows[dying].first_failed_at == NIGHT0
    assert rows[flaky].state is LinkState.ALIVE
    assert rows[flaky].confirmed_dead_at is None
    assert rows[steady].state is LinkState.ALIVE


async def test_a_dead_link_not_due_is_still_reported_once_on_the_runs_clock(
    tmp_path: Path, web: TestWeb
) -> None:
    dead, fine = web.url("/status/404"), web.url("/page/fine")
    doc = tmp_path / "links.md"
    doc.write_text(f"<{dead}>\n<{fine}>\n")
    settings = load_settings(
        {"confirm_checks": 1, "confirm_days": 0, "max_age": "1d"}, env={}, cwd=tmp_path
    )
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        for night in range(2):
            moment = NIGHT0 + timedelta(days=night)
            outcome = await pipeline.check(store, [str(doc)], settings, now=lambda m=moment: m)
            assert outcome.summary.started_at == moment  # the run keeps the caller's clock
        rows = list(pipeline.report_rows(store, outcome, settings))
    # Night 2 checked nothing (the dead link waits a week, the good one a day and more),
    # yet the dead citation is reported, once, with the check of night 1.
    assert [(row.url, row.state) for row in rows] == [(dead, LinkState.DEAD)]
    assert rows[0].result is not None and rows[0].result.checked_at == NIGHT0


async def test_a_resumed_run_reports_a_known_failure_checked_after_it_began(
    tmp_path: Path, web: TestWeb
) -> None:
    dead, fine = web.url("/status/404"), web.url("/page/fine")
    doc, other = tmp_path / "a.md", tmp_path / "b.md"
    doc.write_text(f"<{fine}>\n")
    settings = load_settings(
        {"confirm_checks": 1, "confirm_days": 0, "max_age": "1d"}, env={}, cwd=tmp_path
    )
    with Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}") as store:
        first = await pipeline.check(store, [str(doc)], settings, now=lambda: NIGHT0)
        store.finish_run(first.run_id, RunStatus.INTERRUPTED)  # as if it had been cut short …
        # … and, meanwhile, another run found the dead link, after run 1 began.
        other.write_text(f"<{dead}>\n")
        later = NIGHT0 + timedelta(hours=1)
        await pipeline.check(store, [str(other)], settings, now=lambda: later)
        doc.write_text(f"<{fine}>\n<{dead}>\n")
        resumed = await pipeline.resume(store, settings, run_id=first.run_id, now=lambda: later)
        rows = list(pipeline.report_rows(store, resumed, settings))
    assert [row.url for row in rows if row.state is LinkState.DEAD] == [dead]
