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
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date
from urllib.parse import unquote, urlsplit

from linkcheck.extract.found import Findings, FoundLink, bare_links, line_starts
from linkcheck.types import Role
from linkcheck.urls import InvalidURL, date_in_url, find_urls, normalize_url

_MARKER = re.compile(r"^[ \t]*original[ \t]+url[ \t]*:(?P<rest>.*)$", re.IGNORECASE)
_MAX_BLANK_LINES_BEFORE_URL = 2
_RELATED = re.compile(r"^[ \t]*related(?:[ \t]+(?:article|story))?[ \t]*:[ \t]*", re.IGNORECASE)
_QUOTED = re.compile(r"‘(.+?)’(?!\w)|“(.+?)”|\"(.+?)\"|(?<!\w)'(.+?)'(?!\w)")
_ID_SUFFIX = re.compile(r"[-_][a-z]?\d{3,}$")
_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.IGNORECASE)
_MIN_TRUNCATED_SLUG = 20  # compact characters; shorter prefixes match too easily


@dataclasses.dataclass(frozen=True, slots=True)
class _Marker:
    line_index: int  # 0-based line of "Original url:"
    url_index: int  # 0-based line where the URL starts
    url_column: int


def looks_like_article(text: str) -> bool:
    return _find_marker(text.split("\n")) is not None


def read_article(text: str) -> Findings:
    lines = text.split("\n")
    starts = line_starts(text)
    marker = _find_marker(lines)
    if marker is None:  # forced to this format without a marker: plain text
        return Findings(tuple(bare_links(text, starts)))
    body = text[: starts[marker.line_index]]
    inline = list(bare_links(body, starts))
    listed = list(_listed_links(lines, marker))
    original = listed[0] if listed else None
    titled = _attach_titles(listed[1:], _title_candidates(lines[: marker.line_index]))
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


def _find_marker(lines: Sequence[str]) -> _Marker | None:
    for index in range(len(lines) - 1, -1, -1):
        match = _MARKER.match(lines[index])
        if match is not None and (found := _url_after(lines, index, match)) is not None:
            return found
    return None


def _url_after(lines: Sequence[str], index: int, match: re.Match[str]) -> _Marker | None:
    rest = match.group("rest")
    if rest.strip():
        column = match.start("rest") + len(rest) - len(rest.lstrip())
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
    token = line.strip()
    if not token or any(char.isspace() for char in token) or token.endswith(":"):
        return False
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


def _title_candidates(body_lines: Sequence[str]) -> list[list[str]]:
    """For each ``Related article:`` paragraph, its candidate titles, best first."""
    found: list[list[str]] = []
    for index, line in enumerate(body_lines):
        prefix = _RELATED.match(line)
        if prefix is None:
            continue
        paragraph = [line[prefix.end() :].strip()]
        for following in body_lines[index + 1 :]:
            if not following.strip():
                break
            paragraph.append(following.strip())
        found.append(_candidates(paragraph))
    return found


def _candidates(paragraph: list[str]) -> list[str]:
    candidates = [_dequote(" ".join(paragraph[:count])) for count in range(len(paragraph), 0, -1)]
    quoted = _QUOTED.search(" ".join(paragraph))
    if quoted is not None:
        candidates.append(next(group for group in quoted.groups() if group is not None))
    return [" ".join(candidate.split()).strip(" .…") for candidate in candidates]


def _dequote(text: str) -> str:
    return _QUOTED.sub(lambda match: next(g for g in match.groups() if g is not None), text)


def _attach_titles(links: list[FoundLink], candidate_lists: list[list[str]]) -> list[FoundLink]:
    titled: list[FoundLink] = []
    for link in links:
        title = _matching_title(_slugs_of(link.target), candidate_lists)
        titled.append(dataclasses.replace(link, title=title) if title else link)
    return titled


def _matching_title(slugs: tuple[str, str] | None, candidate_lists: list[list[str]]) -> str | None:
    """An exact slug match wins; else the shortest title the (truncated) slug begins."""
    if slugs is None:
        return None
    candidates = [candidate for candidates in candidate_lists for candidate in candidates]
    for candidate in candidates:
        if _compact(candidate) in slugs:
            return candidate
    _, without_id = slugs
    if len(without_id) < _MIN_TRUNCATED_SLUG:
        return None
    truncated = [c for c in candidates if _compact(c).startswith(without_id)]
    return min(truncated, key=len, default=None)


def _slugs_of(url: str) -> tuple[str, str] | None:
    """The last path segment, compacted, with and without an id suffix."""
    try:
        segments = [s for s in urlsplit(url).path.split("/") if s]
    except ValueError:
        return None
    if not segments:
        return None
    segment = _EXTENSION.sub("", unquote(segments[-1]))
    return _compact(segment), _compact(_ID_SUFFIX.sub("", segment.lower()))


def _compact(text: str) -> str:
    """Letters and digits only, accents dropped: slugs and titles compare on this."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())
