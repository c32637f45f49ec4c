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
from linkcheck.urls import InvalidURL, date_in_url, find_urls, normalize_url

_MARKER = re.compile(r"^[ \t]*original[ \t]+url[ \t]*:(?P<rest>.*)$", re.IGNORECASE | re.MULTILINE)
_MAX_BLANK_LINES_BEFORE_URL = 2


@dataclasses.dataclass(frozen=True, slots=True)
class _Marker:
    line_index: int  # 0-based line of "Original url:"
    url_index: int  # 0-based line where the URL starts
    url_column: int


def looks_like_article(text: str) -> bool:
    return _find_marker(text, text.split("\n")) is not None


def read_article(text: str) -> Findings:
    lines = text.split("\n")
    starts = line_starts(text)
    marker = _find_marker(text, lines)
    if marker is None:  # forced to this format without a marker: plain text
        return Findings(tuple(bare_links(text, starts)))
    body = text[: starts[marker.line_index]]
    inline = list(bare_links(body, starts))
    listed = list(_listed_links(lines, marker))
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


def _find_marker(text: str, lines: Sequence[str]) -> _Marker | None:
    """The last ``Original url:`` line followed by a URL (one regex pass over the text)."""
    for match in reversed(list(_MARKER.finditer(text))):
        index = text.count("\n", 0, match.start())
        found = _url_after(lines, index, match.group("rest"), match.start("rest") - match.start())
        if found is not None:
            return found
    return None


def _url_after(lines: Sequence[str], index: int, rest: str, rest_column: int) -> _Marker | None:
    if rest.strip():
        column = rest_column + len(rest) - len(rest.lstrip())
        return _Marker(index, index, column) if _starts_url(lines[index][column:]) else None
    for url_index in range(index + 1, min(len(lines), index + 2 + _MAX_BLANK_LINES_BEFORE_URL)):
        stripped = lines[url_index].lstrip()
        if stripped:
            column = len(lines[url_index]) - len(stripped)
            return _Marker(index, url_index, column) if _starts_url(stripped) else None
    return None


def _starts_url(text: str) -> bool:
    first = next(find_urls(text), None)
    return first is not None and first.start == 0


# --------------------------------------------------------------------------- listed URLs


def _listed_links(lines: Sequence[str], marker: _Marker) -> Iterator[FoundLink]:
    """The URLs from the marker on, wrapped ones joined; the first is the original."""
    role = Role.ORIGINAL
    index, column = marker.url_index, marker.url_column
    while index < len(lines):
        line = lines[index]
        continuation_end = index + 1
        for match in find_urls(line[column:]):
            written, url = line[column + match.start : column + match.end], match.url
            if column + match.end == len(line.rstrip()):
                pieces, continuation_end = _continuation(lines, index + 1)
                written, url = _join(written, url, pieces)
            yield FoundLink(written, url, index + 1, role, column=column + match.start)
            role = Role.RELATED
        index, column = continuation_end, 0


def _continuation(lines: Sequence[str], index: int) -> tuple[list[str], int]:
    pieces: list[str] = []
    while index < len(lines) and _continues_url(lines[index]):
        pieces.append(lines[index].strip())
        index += 1
    return pieces, index


def _continues_url(line: str) -> bool:
    parts = line.split(maxsplit=1)
    if len(parts) != 1 or parts[0].endswith(":"):
        return False  # blank, several tokens, or a label such as "Related:"
    token = parts[0]
    return not _starts_url(token)


def _join(written: str, url: str, pieces: list[str]) -> tuple[str, str]:
    """Append the wrapped pieces, then re-apply the trimming rules to the whole."""
    if not pieces:
        return written, url
    joined = written + "".join(pieces)
    match = next(find_urls(joined), None)
    if match is None or match.start != 0:
        return written, url
    return joined[: match.end], match.url


# --------------------------------------------------------------------------- titles


def _titled(link: FoundLink, titles: RelatedTitles) -> FoundLink:
    title = titles.title_for(link.target)
    return dataclasses.replace(link, title=title) if title else link
