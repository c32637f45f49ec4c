"""Titles of ``Related article:`` paragraphs, matched to related links by URL slug.

A paragraph's candidate titles are its first *k* lines joined, for *k* from all
of them down to one (longest first), then its first quoted part.  A link's title
is the first candidate, in paragraph order, whose compact form (letters and
digits only, accents dropped) is the link's slug with or without an id suffix;
else, for a slug long enough not to match by accident, the shortest candidate
that the slug begins (the site truncated it).

Why it stays linear: compacting drops everything but letters and digits, so the
compact form of the first *k* lines is a prefix of the whole paragraph's.  Each
paragraph is compacted once, and a candidate is compared as (that string, a
prefix length); candidate titles are only spelled out for a link they match.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from urllib.parse import unquote

from linkcheck.urls import url_path

_RELATED = re.compile(
    r"^[ \t]*related(?:[ \t]+(?:article|story))?[ \t]*:[ \t]*", re.IGNORECASE | re.MULTILINE
)
_QUOTED = re.compile(r"‘(.+?)’(?!\w)|“(.+?)”|\"(.+?)\"|(?<!\w)'(.+?)'(?!\w)")
_ID_SUFFIX = re.compile(r"[-_][a-z]?\d{3,}$")
_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$", re.IGNORECASE)
#: ``[^\W_]`` is exactly ``str.isalnum``: the complement is what compacting drops.
_NOT_ALNUM = re.compile(r"[\W_]+")
_MIN_TRUNCATED_SLUG = 20  # compact characters; shorter prefixes match too easily


def compact(text: str) -> str:
    """Letters and digits only, accents dropped: slugs and titles compare on this."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))


@dataclass(frozen=True, slots=True)
class _Paragraph:
    """One ``Related article:`` paragraph, compacted once."""

    lines: tuple[str, ...]  # stripped; the first without its label
    compact: str  # of all the lines
    ends: tuple[int, ...]  # ends[k - 1]: length of the compact form of the first k lines
    #: letters[k - 1]: letters and digits in the first k lines, a lower bound of the
    #: length of that candidate (quotes, spaces and dots are all a title loses).
    letters: tuple[int, ...]
    quoted: tuple[str, str] | None  # the first quoted part and its compact form
    #: By length of compact form: the most lines whose compact form is that long,
    #: i.e. the longest candidate a slug of that length can equal.
    most_lines_by_end: dict[int, int]

    @classmethod
    def of(cls, lines: Sequence[str]) -> _Paragraph:
        compacts = [compact(line) for line in lines]
        ends = tuple(accumulate(len(line_compact) for line_compact in compacts))
        letters = tuple(accumulate(len(_NOT_ALNUM.sub("", line)) for line in lines))
        quoted = _first_quoted(lines)
        return cls(
            lines=tuple(lines),
            compact="".join(compacts),
            ends=ends,
            letters=letters,
            quoted=None if quoted is None else (quoted, compact(quoted)),
            most_lines_by_end={end: count for count, end in enumerate(ends, 1)},
        )

    def candidate(self, count: int) -> str:
        """The candidate title made of the first ``count`` lines."""
        return _clean(_dequote(" ".join(self.lines[:count])))

    def exact(self, slugs: tuple[str, str]) -> str | None:
        """The first candidate (longest first, then the quoted part) equal to a slug."""
        # A slug equals a candidate of k lines iff it is as long as that
        # candidate's compact form and begins the paragraph's: one look-up per
        # slug rather than a comparison per line.
        most = 0
        for slug in slugs:
            count = self.most_lines_by_end.get(len(slug), 0)
            if count > most and self.compact.startswith(slug):
                most = count
        if most:
            return self.candidate(most)
        if self.quoted is not None and self.quoted[1] in slugs:
            return self.quoted[0]
        return None

    def shortest_begun_by(self, prefix: str, limit: float) -> str | None:
        """The shortest candidate shorter than ``limit`` whose compact form begins with
        ``prefix``; of equally short ones, the one listed first."""
        best: str | None = None
        best_length = limit
        if self.compact.startswith(prefix):
            first = next(count for count, end in enumerate(self.ends, 1) if end >= len(prefix))
            for count in range(first, len(self.lines) + 1):
                bound = self.letters[count - 1]
                if bound > best_length or (best is None and bound >= limit):
                    break  # longer prefixes of the paragraph only get longer
                title = self.candidate(count)
                # Listed longest first: on a tie the candidate of more lines wins.
                if len(title) < best_length or (best is not None and len(title) == best_length):
                    best, best_length = title, len(title)
        if self.quoted is not None:
            title, quoted_compact = self.quoted
            if quoted_compact.startswith(prefix) and len(title) < best_length:
                best = title
        return best


class RelatedTitles:
    """The ``Related article:`` paragraphs of an article's text, ready to name links."""

    def __init__(self, body: str, body_lines: Sequence[str]) -> None:
        """``body`` is the article text, ``body_lines`` its lines."""
        self._paragraphs = [
            _Paragraph.of(_paragraph_at(body_lines, index, label_end))
            for index, label_end in _related_lines(body)
        ]

    def title_for(self, url: str) -> str | None:
        """The title of the related article at ``url``, if a paragraph names it."""
        if not self._paragraphs:
            return None
        slugs = _slugs_of(url)
        if slugs is None:
            return None
        for paragraph in self._paragraphs:
            exact = paragraph.exact(slugs)
            if exact is not None:
                return exact
        _, without_id = slugs
        if len(without_id) < _MIN_TRUNCATED_SLUG:
            return None
        best: str | None = None
        for paragraph in self._paragraphs:  # an earlier paragraph wins a tie
            found = paragraph.shortest_begun_by(without_id, math.inf if best is None else len(best))
            if found is not None:
                best = found
        return best


def _related_lines(body: str) -> list[tuple[int, int]]:
    """(line index, column where the title starts) of each ``Related article:`` line."""
    found: list[tuple[int, int]] = []
    line, counted_to = 0, 0
    for match in _RELATED.finditer(body):
        line += body.count("\n", counted_to, match.start())
        counted_to = match.start()
        found.append((line, match.end() - match.start()))
    return found


def _paragraph_at(lines: Sequence[str], index: int, label_end: int) -> list[str]:
    """The label line's rest and the lines after it up to a blank one, stripped."""
    paragraph = [lines[index][label_end:].strip()]
    for following in range(index + 1, len(lines)):
        stripped = lines[following].strip()
        if not stripped:
            break
        paragraph.append(stripped)
    return paragraph


def _first_quoted(lines: Sequence[str]) -> str | None:
    quoted = _QUOTED.search(" ".join(lines))
    if quoted is None:
        return None
    return _clean(next(group for group in quoted.groups() if group is not None))


def _dequote(text: str) -> str:
    if not any(mark in text for mark in "‘“\"'"):
        return text
    return _QUOTED.sub(lambda match: next(g for g in match.groups() if g is not None), text)


def _clean(candidate: str) -> str:
    return " ".join(candidate.split()).strip(" .…")


def _slugs_of(url: str) -> tuple[str, str] | None:
    """The last non-empty path segment, compacted, with and without an id suffix."""
    try:
        path = url_path(url)
    except ValueError:
        return None
    segment = path.rstrip("/").rpartition("/")[2]
    if not segment:
        return None
    segment = _EXTENSION.sub("", unquote(segment))
    return compact(segment), compact(_ID_SUFFIX.sub("", segment.lower()))
