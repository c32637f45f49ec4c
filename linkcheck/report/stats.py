"""``linkcheck db stats``: what the database holds, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping


def render_stats(stats: Mapping[str, object], format: str = "text") -> str:
    """``stats`` is the store's statistics as plain values (``dataclasses.asdict``)."""
    if format == "json":
        return json.dumps(stats, indent=2, default=str)
    lines: list[str] = []
    for name, value in stats.items():
        if isinstance(value, Mapping):
            inner = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
            lines.append(f"{name.replace('_', ' ')}: {inner}")
        elif value is not None:
            lines.append(f"{name.replace('_', ' ')}: {value}")
    return "\n".join(lines)
