"""linkcheck: find every cited URL, check it, keep its history, find its archived copy."""

from __future__ import annotations

__version__ = "0.1.0"
