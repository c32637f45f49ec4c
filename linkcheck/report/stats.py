"""``linkcheck db stats``: what the database holds, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime


def render_stats(stats: Mapping[str, object], format: str = "text") -> str:
    """``stats`` is the store's statistics as plain values (``dataclasses.asdict``)."""
    stats = _named_as_in_reports(stats)
    if format == "json":
        return json.dumps(_plain(stats), indent=2)
    lines = [
        f"{name.replace('_', ' ')}: {_words(value)}"
        for name, value in stats.items()
        if value is not None
    ]
    return "\n".join(lines)


def _named_as_in_reports(stats: Mapping[str, object]) -> Mapping[str, object]:
    """The latest run's ``error`` (why it stopped short) named ``stopped_by``, as in the
    JSON report, where ``error`` is the count of error links."""
    run = stats.get("latest_run")
    if not isinstance(run, Mapping) or "error" not in run:
        return stats
    renamed = {("stopped_by" if key == "error" else key): value for key, value in run.items()}
    return {**stats, "latest_run": renamed}


def _words(value: object) -> str:
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} {_words(v)}" for k, v in value.items() if v is not None)
        return inner or "none"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _key(key: object) -> str:
    return "(none)" if key is None else str(key)


def _plain(value: object) -> object:
    """JSON-ready: enum keys as their values, ``None`` keys as "none", datetimes as ISO."""
    if isinstance(value, Mapping):
        return {("none" if k is None else str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value
