"""HTTP header values both the checker and the archive adapter read."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait according to a ``Retry-After`` value (delay-seconds or HTTP date).

    ``None`` when absent or unreadable; a date in the past means "now" (0).
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; a naive parse means "-0000"
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
