"""Text that can be stored and shown, from strings that may hold undecodable bytes.

Python keeps bytes that are not UTF-8 (in file names, in header values a server
sent) as lone surrogates, which no database, JSON or XML writer can encode.
"""

from __future__ import annotations

import re


def escape_surrogates(value: str) -> str:
    """``value`` with each lone surrogate written as an escape: ``\\xe9`` for an
    undecodable byte, ``\\udXXX`` for any other.  Every other character (and every
    string without lone surrogates, returned as it is) is kept."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate that stands for no byte
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def unescape_bytes(value: str) -> str:
    """The name :func:`escape_surrogates` made ``value`` from, when it stood for a file
    name with undecodable bytes (``\\xe9`` back to the byte, as Python keeps it)."""
    return _BYTE_ESCAPE.sub(_surrogate, value)


_BYTE_ESCAPE = re.compile(r"\\x([89a-f][0-9a-f])")


def _surrogate(match: re.Match[str]) -> str:
    return chr(0xDC00 + int(match[1], 16))
