"""A run's counts per verdict: counted from its checks, then kept on its row.

A run's checks are not forever: ``db prune`` thins old ones.  What a run found
must not change with them, so its counts are written on the run row when it
ends (``runs.counts``) and read from there.  Runs still running, and runs
recorded before that column existed, have none: their checks are counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

from sqlalchemy import Connection, func, select, update

from linkcheck.store.batching import chunked
from linkcheck.store.schema import checks, runs
from linkcheck.types import RunStatus, Verdict


def count_checks(connection: Connection, run_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """The checks of each of ``run_ids`` per verdict (runs without checks are left out)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for chunk in chunked(run_ids):
        query = (
            select(checks.c.run_id, checks.c.verdict, func.count())
            .where(checks.c.run_id.in_(chunk))
            .group_by(checks.c.run_id, checks.c.verdict)
        )
        for run_id, verdict, count in connection.execute(query):
            counts[run_id][verdict] = int(count)
    return dict(counts)


def store_counts(connection: Connection, run_id: int) -> None:
    """Write the run's counts as its checks stand now (call when it ends)."""
    _write_counts(connection, [run_id])


def store_missing_counts(connection: Connection) -> int:
    """Write the counts of every ended run that has none; returns how many runs.

    Runs from before the counts column are counted from their checks: call
    this before checks are deleted, so that those runs keep what they found.
    """
    query = select(runs.c.id).where(
        runs.c.counts.is_(None), runs.c.status != RunStatus.RUNNING.value
    )
    missing = list(connection.execute(query).scalars())
    for chunk in chunked(missing):
        _write_counts(connection, chunk)
    return len(missing)


def _write_counts(connection: Connection, run_ids: Collection[int]) -> None:
    """Each run's counts from its checks, on its row (a run without checks: ``{}``)."""
    counted = count_checks(connection, run_ids)
    for run_id in run_ids:
        connection.execute(
            update(runs).where(runs.c.id == run_id).values(counts=counted.get(run_id, {}))
        )


def verdict_counts(stored: Mapping[str, int]) -> dict[Verdict, int]:
    """Counts keyed by verdict name, as :class:`Verdict` values."""
    return {Verdict(verdict): int(count) for verdict, count in stored.items()}
