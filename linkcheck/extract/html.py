"""HTML: links from a real parser (the standard library's ``html.parser``).

Cited: ``<a href>`` and ``<area href>``, the ``cite`` attribute of
``<blockquote>``, ``<q>``, ``<del>`` and ``<ins>``, ``<img src>``, and bare URLs
in the text.  Relative links are resolved against the first ``<base href>``
(wherever it stands, as browsers do); without one they are reported as
ignored.  Entities in attributes (``&amp;``) are decoded by the parser.  The
text of ``<script>`` and ``<style>`` is never read.  Anchor text, whitespace
collapsed, becomes the title (an image's ``alt`` counts as text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from linkcheck.extract.found import Findings, FoundLink, line_at, line_starts
from linkcheck.urls import CHECKED_SCHEMES, find_urls

_LINK_ATTRIBUTES = {
    "a": "href",
    "area": "href",
    "blockquote": "cite",
    "q": "cite",
    "del": "cite",
    "ins": "cite",
    "img": "src",
}
_RAW_TEXT_ELEMENTS = frozenset({"script", "style"})
_URL_WHITESPACE = str.maketrans("", "", "\t\n\r")


def read_html(text: str) -> Findings:
    return Findings(tuple(_parse(text, text_urls=True)))


def markup_links(text: str) -> list[FoundLink]:
    """Links in HTML tags only (no text URLs): for raw HTML inside other formats."""
    return _parse(text, text_urls=False)


def _parse(text: str, *, text_urls: bool) -> list[FoundLink]:
    try:
        return _feed(text, text_urls=text_urls)
    except AssertionError:
        # html.parser asserts on some malformed declarations ("<![例", "<!DOCTYPE" junk)
        # instead of reading them as text: do that ourselves.  Same lines, same links.
        return _feed(_DECLARATION.sub("&lt;!", text), text_urls=text_urls)


#: "<!" that does not open a comment: declarations and marked sections.
_DECLARATION = re.compile(r"<!(?!--)")


def _feed(text: str, *, text_urls: bool) -> list[FoundLink]:
    parser = _LinkParser(text_urls=text_urls)
    parser.feed(text)
    parser.close()
    return parser.found_links()


@dataclass(slots=True)
class _Pending:
    value: str
    line: int
    column: int
    text: list[str] = field(default_factory=list)
    target: str | None = None  # set for bare URLs in text: already absolute


class _LinkParser(HTMLParser):
    def __init__(self, *, text_urls: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._text_urls = text_urls
        self._pending: list[_Pending] = []
        self._open_anchors: list[_Pending] = []
        self._raw_text_depth = 0
        self._base: str | None = None

    # ------------------------------------------------------------------ parser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if tag in _RAW_TEXT_ELEMENTS:
            self._raw_text_depth += 1
        elif tag == "base" and self._base is None and "href" in values:
            self._base = _clean(values["href"])
        elif tag in _LINK_ATTRIBUTES:
            self._start_link(tag, values)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _RAW_TEXT_ELEMENTS:
            self._raw_text_depth -= 1
        elif tag == "a" and self._open_anchors:
            self._open_anchors.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in _RAW_TEXT_ELEMENTS:
            self._raw_text_depth = max(0, self._raw_text_depth - 1)
        elif tag == "a" and self._open_anchors:
            self._open_anchors.pop()

    def handle_data(self, data: str) -> None:
        if self._raw_text_depth:
            return
        for anchor in self._open_anchors:
            anchor.text.append(data)
        if self._text_urls and not self._open_anchors:
            self._text_links(data)

    # ------------------------------------------------------------------ helpers

    def _start_link(self, tag: str, values: dict[str, str]) -> None:
        attribute = _LINK_ATTRIBUTES[tag]
        if tag == "img" and "alt" in values:
            for anchor in self._open_anchors:
                anchor.text.append(values["alt"])
        pending = self._pending_for(attribute, values)
        if pending is None:
            return
        if tag == "a":
            self._open_anchors.append(pending)
        elif tag == "img" and values.get("alt"):
            pending.text.append(values["alt"])

    def _pending_for(self, attribute: str, values: dict[str, str]) -> _Pending | None:
        if attribute not in values:
            return None
        line, column = self._attribute_position(attribute)
        pending = _Pending(_clean(values[attribute]), line, column)
        self._pending.append(pending)
        return pending

    def _attribute_position(self, attribute: str) -> tuple[int, int]:
        line, column = self.getpos()
        raw = self.get_starttag_text() or ""
        match = re.search(rf"\s{attribute}\s*=", raw, re.IGNORECASE)
        if match is None:
            return line, column
        before = raw[: match.start() + 1]
        newlines = before.count("\n")
        if newlines:
            return line + newlines, len(before) - before.rfind("\n") - 1
        return line, column + len(before)

    def _text_links(self, data: str) -> None:
        line, column = self.getpos()
        starts = line_starts(data)
        for match in find_urls(data):
            row = line_at(starts, match.start) - 1
            offset = match.start - starts[row] + (column if row == 0 else 0)
            written = data[match.start : match.end]
            self._pending.append(_Pending(written, line + row, offset, target=match.url))

    def found_links(self) -> list[FoundLink]:
        return [self._found(pending) for pending in self._pending]

    def _found(self, pending: _Pending) -> FoundLink:
        if pending.target is not None:
            return FoundLink(pending.value, pending.target, pending.line, column=pending.column)
        title = " ".join("".join(pending.text).split()) or None
        target = _resolve(self._base, pending.value)
        return FoundLink(pending.value, target, pending.line, title=title, column=pending.column)


def _clean(value: str) -> str:
    """Browsers strip surrounding whitespace and drop tabs and newlines inside URLs."""
    return value.strip().translate(_URL_WHITESPACE)


def _resolve(base: str | None, href: str) -> str:
    if base is None or not href or href.startswith("#"):
        return href
    try:
        if urlsplit(base).scheme.lower() not in CHECKED_SCHEMES:
            return href
        return urljoin(base, href)
    except ValueError:
        return href
