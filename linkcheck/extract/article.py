"""Article dumps: article text, ``Original url:``, the article's own URL, related links.

The shape (see ``tests/extract/data/``)::

    ...article text, where URLs are inline citations...
    Related article: ‘Some Title’: more of the title, possibly wrapped
    ...
    Original url:
    https://www.example.com/2025/06/10/a-long-slug-that-the-dump-wrapped
    -a89401

    https://related.example/one
    https://related.example/one

Decisions:

* The format is recognised by content: a line ``Original url:`` followed,
  on the same line or after at most two blank lines, by an http(s) URL.  If a
  dump holds several such blocks the last one is the document's own URL, and
  the earlier blocks count as article text (their URLs are inline).
* A URL that runs to the end of its line continues on the following lines
  while they are single tokens that are not blank, do not start a URL and do
  not end in ``:`` (which would be a label such as ``Related:``).  This joins
  the wrapped ``-a89401`` of the sample; it applies to related links too.
  "Runs to the end" is judged before trimming, since a dump may wrap right
  after a ``?``, ``.`` or ``(``; the joined URL is then trimmed as a whole.
* The first URL after the marker is ``original``; every URL after it is
  ``related``.  A date in the original URL's path dates every citation.
* A ``Related article:`` paragraph in the text names a related link: its
  title is attached to the related URL whose last path segment is the
  title's slug (an id suffix such as ``-a88780`` and an extension are
  allowed; so is a slug the site truncated).  Candidate titles are tried
  longest first: the whole paragraph, then fewer of its lines, then the
  quoted part alone.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from datetime import date

from linkcheck.extract.found import Findings, FoundLink, bare_links, line_starts
from linkcheck.extract.related import RelatedTitles
from linkcheck.types import Role
from linkcheck.urls import InvalidURL, UrlMatch, date_in_url, find_urls, normalize_url

_MARKER = re.compile(r"^[ \t]*original[ \t]+url[ \t]*:(?P<rest>.*)$", re.IGNORECASE | re.MULTILINE)
_MAX_BLANK_LINES_BEFORE_URL = 2
_SPACE = re.compile(r"\s")


@dataclasses.dataclass(frozen=True, slots=True)
class _Marker:
    line_index: int  # 0-based line of "Original url:"
    url_index: int  # 0-based line where the URL starts


class _LineUrls:
    """The bare URLs of a document's lines, each line scanned at most once.

    Reading a dump looks at most lines twice: a listed URL's line is first
    asked whether it continues the URL above it (it does not if it starts a
    URL), then read as a line of its own; the URL after the marker is checked
    when the marker is found, then read.  Per document, so it stays small.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self._found: dict[int, list[UrlMatch]] = {}

    def of(self, index: int) -> list[UrlMatch]:
        """Every URL in line ``index``, with offsets in that line."""
        found = self._found.get(index)
        if found is None:
            found = self._found[index] = list(find_urls(self.lines[index]))
        return found

    def starts_at(self, index: int, column: int) -> bool:
        """Whether the first URL of line ``index`` starts at ``column``.

        Only asked where ``column`` follows whitespace, a ``:`` or the line's
        start, none of which can join a URL (see ``find_urls``), so this is
        what scanning ``line[column:]`` alone would say.
        """
        found = self.of(index)
        return bool(found) and found[0].start == column


def looks_like_article(text: str) -> bool:
    return _find_marker(text, _LineUrls(text.split("\n"))) is not None


def read_article(text: str) -> Findings:
    """The findings of ``text`` read as an article dump, even without a marker."""
    findings = read_dump(text)
    if findings is None:  # forced to this format without a marker: plain text
        return Findings(tuple(bare_links(text, line_starts(text))))
    return findings


def read_dump(text: str) -> Findings | None:
    """The findings of an article dump, or ``None`` if ``text`` has no marker.

    Recognising a dump and reading it share the search for the marker.
    """
    line_urls = _LineUrls(text.split("\n"))
    marker = _find_marker(text, line_urls)
    if marker is None:
        return None
    lines = line_urls.lines
    starts = line_starts(text)
    body = text[: starts[marker.line_index]]
    inline = list(bare_links(body, starts))
    listed = list(_listed_links(line_urls, marker))
    original = listed[0] if listed else None
    titles = RelatedTitles(body, lines[: marker.line_index])
    titled = [_titled(link, titles) for link in listed[1:]]
    own_url = original.target if original else None
    return Findings(
        links=(*inline, *listed[:1], *titled),
        own_url=own_url,
        cited_at=_date_of(own_url),
    )


def _date_of(url: str | None) -> date | None:
    if url is None:
        return None
    try:
        return date_in_url(normalize_url(url))
    except InvalidURL:
        return date_in_url(url)


# --------------------------------------------------------------------------- the marker


def _find_marker(text: str, line_urls: _LineUrls) -> _Marker | None:
    """The last ``Original url:`` line followed by a URL (one regex pass over the text)."""
    for match in reversed(list(_MARKER.finditer(text))):
        index = text.count("\n", 0, match.start())
        rest = match.group("rest")
        found = _url_after(line_urls, index, rest, match.start("rest") - match.start())
        if found is not None:
            return found
    return None


def _url_after(line_urls: _LineUrls, index: int, rest: str, rest_column: int) -> _Marker | None:
    lines = line_urls.lines
    if rest.strip():
        column = rest_column + len(rest) - len(rest.lstrip())
        return _Marker(index, index) if line_urls.starts_at(index, column) else None
    for url_index in range(index + 1, min(len(lines), index + 2 + _MAX_BLANK_LINES_BEFORE_URL)):
        stripped = lines[url_index].lstrip()
        if stripped:
            column = len(lines[url_index]) - len(stripped)
            return _Marker(index, url_index) if line_urls.starts_at(url_index, column) else None
    return None


# --------------------------------------------------------------------------- listed URLs


def _listed_links(line_urls: _LineUrls, marker: _Marker) -> Iterator[FoundLink]:
    """The URLs from the marker on, wrapped ones joined; the first is the original."""
    lines = line_urls.lines
    role = Role.ORIGINAL
    index = marker.url_index
    while index < len(lines):
        line = lines[index]
        next_index = index + 1
        # All URLs of the line are listed: the marker's own line has none before it.
        for match in line_urls.of(index):
            written, url = line[match.start : match.end], match.url
            # The test is on the token as written, before trimming: a dump that
            # wraps right after "?", "." or "(" leaves a line ending in something
            # the trimmer removes, and the rest of the URL on the next line.
            token = line[match.start :].rstrip()
            if not _SPACE.search(token):
                written, url, next_index = _joined(line_urls, index, token, written, url)
            yield FoundLink(written, url, index + 1, role, column=match.start)
            role = Role.RELATED
        index = next_index


def _joined(
    line_urls: _LineUrls, index: int, token: str, written: str, url: str
) -> tuple[str, str, int]:
    """The URL ending line ``index`` with its wrapped pieces, and the line after them.

    The last token of the line and its pieces are scanned again as one text,
    which re-applies the trimming rules to the whole.  Only the pieces the URL
    reaches into are taken; if it reaches none (``)`` or ``"`` ended it on its
    own line), nothing is joined and the next line is read as a line of its own.
    """
    pieces = _continuation(line_urls, index + 1, token)
    if not pieces:
        return written, url, index + 1
    joined = token + "".join(pieces)
    match = next(find_urls(joined), None)
    if match is None or match.start != 0 or match.end <= len(token):
        return written, url, index + 1
    used, reach = 0, len(token)
    while reach < match.end:
        reach += len(pieces[used])
        used += 1
    return joined[: match.end], match.url, index + 1 + used


def _continuation(line_urls: _LineUrls, index: int, token: str) -> list[str]:
    pieces: list[str] = []
    lines = line_urls.lines
    while index < len(lines) and _continues_url(line_urls, index, token + "".join(pieces)):
        pieces.append(lines[index].strip())
        index += 1
    return pieces


def _continues_url(line_urls: _LineUrls, index: int, so_far: str) -> bool:
    line = line_urls.lines[index]
    parts = line.split(maxsplit=1)
    if len(parts) != 1 or parts[0].endswith(":"):
        return False  # blank, several tokens, or a label such as "Related:"
    if line_urls.starts_at(index, len(line) - len(line.lstrip())):
        return False  # a URL of its own
    return not _own_link(parts[0], so_far)


def _own_link(piece: str, so_far: str) -> bool:
    """Whether ``piece`` is a link of its own rather than the rest of ``so_far``: one
    with a scheme of its own (``mailto:``, ``ftp://``; not ``tps://``, a URL split
    inside the ``https`` of an archived address), an e-mail address, or a host and
    path (``t.me/channel``) after an address that already has a path."""
    scheme = _SCHEME.match(piece)
    if scheme is not None and scheme[1].lower() in _OWN_SCHEMES:
        return True
    if _EMAIL.fullmatch(piece):
        return True
    # The address being written is the last one in it: an archived copy
    # (https://web.archive.org/web/…/https://www.exa) may wrap inside its host.
    address = so_far.rsplit("://", 1)[-1]
    return _HOST_AND_PATH.match(piece) is not None and "/" in address


_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_OWN_SCHEMES = frozenset(
    {"http", "https", "ftp", "ftps", "sftp", "mailto", "tel", "sms", "file", "news", "irc"}
    | {"ircs", "git", "ssh", "magnet", "xmpp", "geo", "ws", "wss", "data", "javascript"}
)
_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+\.[a-z]{2,}", re.IGNORECASE)
_HOST_AND_PATH = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/", re.IGNORECASE)


# --------------------------------------------------------------------------- titles


def _titled(link: FoundLink, titles: RelatedTitles) -> FoundLink:
    title = titles.title_for(link.target)
    return dataclasses.replace(link, title=title) if title else link
