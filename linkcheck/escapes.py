"""Text that can be stored and shown, from strings that may hold undecodable bytes.

Python keeps bytes that are not UTF-8 (in file names, in header values a server
sent) as lone surrogates, which no database, JSON or XML writer can encode.
"""

from __future__ import annotations


def escape_surrogates(value: str) -> str:
    """``value`` with each undecodable byte written as a ``\\xe9``-style escape; other
    text (and every string without such bytes, returned as it is) is kept."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return value
