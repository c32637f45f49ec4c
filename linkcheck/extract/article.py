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
  on the same line or after at most two blank lines, by an http(s) URL
  (possibly in ``<>``, possibly with its scheme alone on the line and the
  rest on the next).  If a dump holds several such blocks the last one is
  the document's own URL, and the earlier blocks count as article text (their
  URLs are inline).
* A URL that runs to the end of its line continues on the following lines
  while they are single tokens that are not blank, do not start a URL, do
  not end in ``:`` (which would be a label such as ``Related:``), and show
  that the dump wrapped the URL there (see ``_Wrapping``): a wrong join
  corrupts a correct URL, so an ordinary word or a link of its own after a
  URL that looks complete is left alone.  This joins the wrapped ``-a89401``
  of the sample; it applies to related links too.  "Runs to the end" is
  judged before trimming, since a dump may wrap right after a ``?``, ``.``
  or ``(``; the joined URL is then trimmed as a whole.
* The first URL after the marker is ``original``.  Every URL after it is
  ``related`` on a line that lists links, and ``inline`` on a line with words
  around it (a sentence in a footer).  A date in the original URL's path
  dates every citation, unless it lies after the day the dump is read.
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
from datetime import date, timedelta

from linkcheck.extract.found import Findings, FoundLink, bare_links, line_starts
from linkcheck.extract.related import RelatedTitles
from linkcheck.types import Role
from linkcheck.urls import InvalidURL, UrlMatch, date_in_url, find_urls, normalize_url

_MARKER = re.compile(r"^[ \t]*original[ \t]+url[ \t]*:(?P<rest>.*)$", re.IGNORECASE | re.MULTILINE)
_MAX_BLANK_LINES_BEFORE_URL = 2
_SPACE = re.compile(r"\s")
_LETTER = re.compile(r"[^\W\d_]")
#: A scheme alone, the rest of the URL wrapped to the next line.
_SCHEME_HEAD = re.compile(r"https?(?::/{0,2})?", re.IGNORECASE)
#: Evidence of a wrap (see _Wrapping): the line above ends where a URL does not ...
_ENDS_UNFINISHED = re.compile(r"(?:[-.,;:!?*_~'‘’…(\[{=&+]|%[0-9A-Fa-f]?)$")
#: ... or the line starts where a line of its own does not.
_STARTS_PIECE = re.compile(r"[-/?&=#%._~)\]]")
#: A link of its own: another scheme (ftp://, mailto:) or an e-mail address.  Only
#: schemes without "//" that are known, so "Category:Foo" may still end a wiki URL.
_OWN_LINK = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://|(?:mailto|tel|sms|urn|news|data|javascript|magnet|xmpp):"
    r"|[^\s/@]+@[^\W_]",
    re.IGNORECASE,
)
#: A host without a scheme: t.me/x, example.com, bbc.co.uk/news.
_HOST_LIKE = re.compile(r"[^\W_][\w-]*(?:\.[\w-]+)*\.[A-Za-z]{2,}(?:[/:?#]|$)")
_MIN_WRAP_WIDTH = 40  # narrower "bodies" are a title or a caption, not wrapped text
_NEAR_WIDTH = 10  # a word-wrapped line ends this close to the width ...
_MIN_WRAPPED_LINES = 3  # ... in a body that was wrapped
_WIDTH_SLACK = 2  # a URL broken at the width may be a little longer than the body's lines


@dataclasses.dataclass(frozen=True, slots=True)
class _Marker:
    line_index: int  # 0-based line of "Original url:"
    url_index: int  # 0-based line where the URL starts
    column: int  # where it starts in that line
    head: str = ""  # the URL's scheme, when it stands alone on its line ("https://")


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

        Only asked where ``column`` follows whitespace, a ``:``, a ``<`` or the
        line's start, none of which can join a URL (see ``find_urls``), so this is
        what scanning ``line[column:]`` alone would say.
        """
        found = self.of(index)
        return bool(found) and found[0].start == column


def looks_like_article(text: str) -> bool:
    return _find_marker(text, _LineUrls(text.split("\n"))) is not None


def read_article(text: str, *, today: date | None = None) -> Findings:
    """The findings of ``text`` read as an article dump, even without a marker."""
    findings = read_dump(text, today=today)
    if findings is None:  # forced to this format without a marker: plain text
        return Findings(tuple(bare_links(text, line_starts(text))))
    return findings


def read_dump(text: str, *, today: date | None = None) -> Findings | None:
    """The findings of an article dump, or ``None`` if ``text`` has no marker.

    Recognising a dump and reading it share the search for the marker.  A date
    in the original URL after ``today`` (by default the clock's) is no citation
    date.
    """
    line_urls = _LineUrls(text.split("\n"))
    marker = _find_marker(text, line_urls)
    if marker is None:
        return None
    lines = line_urls.lines
    starts = line_starts(text)
    body = text[: starts[marker.line_index]]
    inline = list(bare_links(body, starts))
    listed = list(_listed_links(line_urls, marker, _Wrapping(lines, marker.line_index)))
    original = listed[0] if listed else None
    titles = RelatedTitles(body, lines[: marker.line_index])
    titled = [_titled(link, titles) for link in listed[1:]]
    own_url = original.target if original else None
    return Findings(
        links=(*inline, *listed[:1], *titled),
        own_url=own_url,
        cited_at=_date_of(own_url, today or date.today()),
    )


def _date_of(url: str | None, today: date) -> date | None:
    if url is None:
        return None
    # A site in a time zone ahead of the reader's may date a page tomorrow.
    latest = today + timedelta(days=1)
    try:
        return date_in_url(normalize_url(url), latest=latest)
    except InvalidURL:
        return date_in_url(url, latest=latest)


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
        return _url_at(line_urls, index, index, column)
    for url_index in range(index + 1, min(len(lines), index + 2 + _MAX_BLANK_LINES_BEFORE_URL)):
        stripped = lines[url_index].lstrip()
        if stripped:
            return _url_at(line_urls, index, url_index, len(lines[url_index]) - len(stripped))
    return None


def _url_at(line_urls: _LineUrls, index: int, url_index: int, column: int) -> _Marker | None:
    """The marker at line ``index`` if a URL starts at ``column`` of line ``url_index``.

    The URL may be in angle brackets, and its scheme may stand alone on the
    line, the rest of the URL on the next one (``https://`` / ``www.…``).
    """
    line = line_urls.lines[url_index]
    if line.startswith("<", column):
        column += 1
    if line_urls.starts_at(url_index, column):
        return _Marker(index, url_index, column)
    head = line[column:].rstrip()
    if _SCHEME_HEAD.fullmatch(head) and _head_joined(line_urls.lines, url_index + 1, head):
        return _Marker(index, url_index, column, head)
    return None


def _head_joined(lines: Sequence[str], index: int, head: str) -> UrlMatch | None:
    """The URL that ``head`` (a scheme alone) makes with line ``index``, if any."""
    if index >= len(lines):
        return None
    match = next(find_urls(head + lines[index].strip()), None)
    if match is None or match.start != 0 or match.end <= len(head):
        return None
    return match


# --------------------------------------------------------------------------- listed URLs


def _listed_links(
    line_urls: _LineUrls, marker: _Marker, wrapping: _Wrapping
) -> Iterator[FoundLink]:
    """The URLs from the marker on, wrapped ones joined; the first is the original.

    After the original, a URL is ``related`` on a line that lists links (no
    words beside them) and ``inline`` in a sentence.
    """
    lines = line_urls.lines
    index = marker.url_index
    original_pending = True
    if marker.head:
        original, index = _split_original(line_urls, marker, wrapping)
        yield original
        original_pending = False
    while index < len(lines):
        line = lines[index]
        next_index = index + 1
        matches = line_urls.of(index)
        column = marker.column if index == marker.url_index else 0
        line_role = _line_role(line, matches, column)
        # All URLs of the line are listed: the marker's own line has none before it.
        for match in matches:
            written, url = line[match.start : match.end], match.url
            # The test is on the token as written, before trimming: a dump that
            # wraps right after "?", "." or "(" leaves a line ending in something
            # the trimmer removes, and the rest of the URL on the next line.
            token = line[match.start :].rstrip()
            if not _SPACE.search(token):
                written, url, next_index = _joined(line_urls, index, token, written, url, wrapping)
            role = Role.ORIGINAL if original_pending else line_role
            yield FoundLink(written, url, index + 1, role, column=match.start)
            original_pending = False
        index = next_index


def _line_role(line: str, matches: Sequence[UrlMatch], column: int) -> Role:
    """``related`` if ``line`` from ``column`` holds nothing but links (bullets, numbers
    and brackets aside), else ``inline``."""
    if len(matches) == 1 and matches[0].start == column and matches[0].end == len(line.rstrip()):
        return Role.RELATED  # the common case: the line is one URL
    for match in matches:
        if _LETTER.search(line, column, match.start):
            return Role.INLINE
        column = match.end
    return Role.INLINE if _LETTER.search(line, column) else Role.RELATED


def _split_original(
    line_urls: _LineUrls, marker: _Marker, wrapping: _Wrapping
) -> tuple[FoundLink, int]:
    """The original URL whose scheme stands alone on its line, and the line after it."""
    piece_index = marker.url_index + 1
    token = marker.head + line_urls.lines[piece_index].strip()
    match = _head_joined(line_urls.lines, piece_index, marker.head)
    assert match is not None  # the marker was found so
    written, url, next_index = token[: match.end], match.url, piece_index + 1
    if not _SPACE.search(token):
        written, url, next_index = _joined(line_urls, piece_index, token, written, url, wrapping)
    link = FoundLink(written, url, marker.url_index + 1, Role.ORIGINAL, column=marker.column)
    return link, next_index


def _joined(
    line_urls: _LineUrls, index: int, token: str, written: str, url: str, wrapping: _Wrapping
) -> tuple[str, str, int]:
    """The URL ending line ``index`` with its wrapped pieces, and the line after them.

    The last token of the line and its pieces are scanned again as one text,
    which re-applies the trimming rules to the whole.  Only the pieces the URL
    reaches into are taken; if it reaches none (``)`` or ``"`` ended it on its
    own line), nothing is joined and the next line is read as a line of its own.
    """
    pieces = _continuation(line_urls, index + 1, wrapping)
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


def _continuation(line_urls: _LineUrls, index: int, wrapping: _Wrapping) -> list[str]:
    pieces: list[str] = []
    lines = line_urls.lines
    while index < len(lines) and (piece := _piece(line_urls, index)) is not None:
        if not wrapping.wrapped(lines[index - 1].rstrip(), piece):
            break
        pieces.append(piece)
        index += 1
    return pieces


def _piece(line_urls: _LineUrls, index: int) -> str | None:
    """Line ``index`` stripped, if it is one token that could be the rest of a URL."""
    line = line_urls.lines[index]
    parts = line.split(maxsplit=1)
    if len(parts) != 1 or parts[0].endswith(":"):
        return None  # blank, several tokens, or a label such as "Related:"
    if line_urls.starts_at(index, len(line) - len(line.lstrip())):
        return None
    return parts[0]


class _Wrapping:
    """Whether a dump wrapped a URL between two lines, judged by what a wrap leaves.

    A wrong join corrupts a correct URL, a missed one loses the end of one, so
    a line is joined only on evidence: the line above ends where a URL cannot
    end (``-``, ``?``, ``=``, ``(``, ``.``, half a ``%`` escape ...), the line
    starts where no line of its own would (``-a89401``, ``/rest``, ``?q=1``),
    or the line above is as long as the lines of a hard-wrapped body (a break
    inside a word or number).  A line that is a link of its own -- another
    scheme (``mailto:``, ``ftp://``), an e-mail address, or, without other
    evidence, a host (``t.me/x``) -- is never taken for a piece.
    """

    def __init__(self, lines: Sequence[str], body_end: int) -> None:
        self._lines = lines
        self._body_end = body_end
        self._width: int | None = None  # measured when first needed: wraps are rare

    def wrapped(self, above: str, piece: str) -> bool:
        if _OWN_LINK.match(piece):
            return False
        if _ENDS_UNFINISHED.search(above) or _STARTS_PIECE.match(piece):
            return True
        return self._fills_width(above) and _HOST_LIKE.match(piece) is None

    def _fills_width(self, above: str) -> bool:
        if self._width is None:
            self._width = _wrap_width(self._lines[: self._body_end])
        return self._width > 0 and self._width <= len(above) <= self._width + _WIDTH_SLACK


def _wrap_width(body: Sequence[str]) -> int:
    """The width the body is hard-wrapped at (its longest line), or 0 if it is not wrapped.

    Wrapped means several lines come close to the longest: a body of long
    unwrapped paragraphs, or a short one, gives no width to fill.
    """
    lengths = [len(line.rstrip()) for line in body]
    width = max(lengths, default=0)
    if width < _MIN_WRAP_WIDTH:
        return 0
    near = sum(1 for length in lengths if length >= width - _NEAR_WIDTH)
    return width if near >= _MIN_WRAPPED_LINES else 0


# --------------------------------------------------------------------------- titles


def _titled(link: FoundLink, titles: RelatedTitles) -> FoundLink:
    title = titles.title_for(link.target)
    return dataclasses.replace(link, title=title) if title else link
