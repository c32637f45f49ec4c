"""Control characters shown, never sent: one rule for every human-read report.

File names, page titles, URLs and error texts come from documents and servers
nobody vetted.  Passed through raw, an ESC starts a terminal escape sequence in
a CI log, a line break forges a line of the report, and most C0 characters
make an XML document (JUnit, HTML) ill-formed.  Every renderer a person reads
(text, GitHub annotations, Markdown, HTML, JUnit) therefore passes each value
through :func:`visible`, which writes such characters as ``\\x1b``-style
escapes: the reader still sees that something odd is in the name.

Data formats keep values as they are: JSON and SARIF escape them themselves,
and CSV carries them for the spreadsheet (see ``csv_report``).
"""

from __future__ import annotations

import re

#: C0 controls (tab and line breaks too: inside a value they forge layout),
#: DEL, C1 controls, lone surrogates (undecodable bytes of a file name, which
#: cannot even be encoded as UTF-8) and U+FFFE/U+FFFF, which XML 1.0 forbids.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def visible(value: str) -> str:
    """``value`` with every control character written as ``\\xNN`` (``\\uNNNN`` above 0xFF)."""
    return _INVISIBLE.sub(_escape, value)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
