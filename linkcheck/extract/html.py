"""HTML: links from a real parser (the standard library's ``html.parser``).

Cited: ``<a href>`` and ``<area href>``, the ``cite`` attribute of
``<blockquote>``, ``<q>``, ``<del>`` and ``<ins>``, ``<img src>``, and bare URLs
in the text.  Relative links are resolved against the first ``<base href>``
(wherever it stands, as browsers do); without one they are reported as
ignored.  Character references in link attributes are decoded by HTML's
attribute rule, not the text rule: ``&amp;`` and ``&copy;`` are, but ``&region=``
and ``&section=`` stay as written.  Of a repeated attribute the first counts, as in
browsers.  The text of ``<script>`` and ``<style>`` is never read.  Anchor text, whitespace
collapsed, becomes the title (an image's ``alt`` counts as text).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.entities import html5 as _ENTITIES
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
        if tag in _RAW_TEXT_ELEMENTS:
            self._raw_text_depth += 1
        elif tag == "base" and self._base is None:
            href = self._attribute_values(attrs).get("href")
            if href is not None:
                self._base = _clean(href)
        elif tag in _LINK_ATTRIBUTES:
            self._start_link(tag, self._attribute_values(attrs))

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

    def _attribute_values(self, attrs: list[tuple[str, str | None]]) -> dict[str, str]:
        """Attribute values as a browser sees them: the first of a repeated name counts,
        references decoded by the attribute rule (the parser applied the text rule)."""
        raw_tag = self.get_starttag_text() or ""
        if "&" in raw_tag and _may_decode_differently(raw_tag):
            attrs = _reread_attributes(raw_tag, attrs)
        first: dict[str, str | None] = {}
        for name, value in attrs:
            first.setdefault(name, value)
        # A valueless attribute (``<a href>``) links nowhere, yet still hides later ones.
        return {name: value for name, value in first.items() if value is not None}

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


#: The start tag's name, then each attribute, as ``html.parser`` tokenizes them; when the
#: names found agree with the parser's, the raw values are decoded by ``_decode_attribute``.
_TAG_NAME = re.compile(r"<[a-zA-Z][^\t\n\r\f />\x00]*(?:\s|/(?!>))*")
_RAW_ATTRIBUTE = re.compile(
    r"((?<=['\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*))?(?:\s|/(?!>))*"
)
_CHARACTER_REFERENCE = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


#: A named reference as the two rules might read it; ``&amp;`` in full reads the same.
_NAMED_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]*;?)")


def _may_decode_differently(raw_tag: str) -> bool:
    """Whether the rules can differ here: a named reference that is not whole (``&reg=``)."""
    return any(
        name[-1] != ";" or name not in _ENTITIES for name in _NAMED_REFERENCE.findall(raw_tag)
    )


def _reread_attributes(
    raw_tag: str, attrs: list[tuple[str, str | None]]
) -> list[tuple[str, str | None]]:
    """``attrs`` with each value decoded afresh from ``raw_tag`` by the attribute rule.

    Should this tokenizer ever disagree with the parser's about which attributes there
    are, the parser's values are kept: a rare misdecoded entity beats a wrong attribute.
    """
    opening = _TAG_NAME.match(raw_tag)
    if opening is None:
        return attrs
    reread: list[tuple[str, str | None]] = []
    for match in _RAW_ATTRIBUTE.finditer(raw_tag, opening.end()):
        name, equals, value = match.group(1, 2, 3)
        if equals and value[:1] in "'\"" and value[:1] == value[-1:]:
            value = value[1:-1]
        reread.append((name.lower(), _decode_attribute(value) if equals else None))
    if [name for name, _ in reread] != [name for name, _ in attrs]:
        return attrs
    return reread


def _decode_attribute(value: str) -> str:
    """HTML's rule for character references in an attribute value.

    A named reference without its ``;`` is left as written when the next character
    is ``=`` or a letter or digit (``?q=1&region=us`` keeps ``&reg``); everything else
    decodes as in text.
    """
    if "&" not in value:
        return value
    return _CHARACTER_REFERENCE.sub(_decode_reference, value)


def _decode_reference(match: re.Match[str]) -> str:
    reference, name = match.group(), match.group(1)
    if name[0] != "#" and name not in _ENTITIES:
        # html.unescape would decode the longest legacy name this starts with
        for length in range(len(name) - 1, 1, -1):
            if name[:length] in _ENTITIES:
                following = name[length]
                if following == "=" or (following.isascii() and following.isalnum()):
                    return reference
                break
    return html.unescape(reference)


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
