"""Byte counts as people read them, in messages about size limits."""

from __future__ import annotations

_UNITS = ("KiB", "MiB", "GiB", "TiB")


def byte_size(count: int) -> str:
    """``512 bytes``, ``4 KiB``, ``1.5 MiB``, ``3 GiB``: binary units, one decimal at most."""
    if count < 1024:
        return "1 byte" if count == 1 else f"{count} bytes"
    value = float(count)
    for unit in _UNITS:
        value /= 1024
        if round(value, 1) < 1024 or unit == _UNITS[-1]:  # 1,048,575 bytes: 1 MiB
            break
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"
