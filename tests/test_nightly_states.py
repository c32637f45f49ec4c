"""Nights of checks on a clock we control: deaths are confirmed, never called on one bad night."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from linkcheck import pipeline
from linkcheck.config import load_settings
from linkcheck.store import Store
from linkcheck.types import LinkState
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
