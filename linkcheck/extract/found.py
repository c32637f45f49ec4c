"""Links as the format readers find them, and how they become a :class:`Document`.

Every reader (article, Markdown, HTML, plain text) reports each link it sees
as a :class:`FoundLink`; :func:`assemble` then decides, in one place for all
formats, which links are checked and how occurrences merge into citations.

Malformed http(s) URLs -- a bad port, a bad international host name -- are kept
as citations rather than dropped: their ``url`` is the URL as found (trimmed of
surrounding whitespace), which does not normalize, so the checker reports them
as ``invalid`` and the author gets to see and fix them.  Anything that is not an
http(s) URL with a host (``mailto:``, ``javascript:``, relative links without a
base, fragments) becomes an :class:`~linkcheck.types.IgnoredLink` with a reason.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

from linkcheck.types import Citation, Document, DocumentFormat, IgnoredLink, Role
from linkcheck.urls import (
    InvalidURL,
    checkable,
    find_urls,
    is_normal_url,
    normalize_url,
    split_fragment,
)

_NEWLINE = re.compile("\n")
# When one URL is cited in several roles, the strongest role names the citation.
_ROLE_RANK = {Role.ORIGINAL: 0, Role.RELATED: 1, Role.INLINE: 2}
_POSITION = attrgetter("line", "column")  # where a link occurs, to sort links in reading order


@dataclass(frozen=True, slots=True)
class FoundLink:
    """One occurrence of a link in a document.

    ``written`` is the spelling in the document; ``target`` the absolute URL
    it stands for (they differ for ``www.`` URLs and for relative links
    resolved against an HTML ``<base>``).
    """

    written: str
    target: str
    line: int
    role: Role = Role.INLINE
    title: str | None = None
    column: int = 0  # orders occurrences within a line, so "first spelling" is well defined


@dataclass(frozen=True, slots=True)
class Findings:
    """What a reader found in one document."""

    links: tuple[FoundLink, ...]
    own_url: str | None = None  # the article's own URL as written, if any
    cited_at: date | None = None


@dataclass(slots=True)
class _Group:
    url: str
    first: FoundLink
    fragment: str | None
    lines: set[int] = field(default_factory=set)
    role: Role = Role.INLINE
    title: str | None = None


def link_key(target: str) -> str:
    """The dedupe key of a checkable target: normalized, or as found if it is malformed."""
    without_fragment, _ = split_fragment(target.strip())
    try:
        return normalize_url(without_fragment)
    except InvalidURL:
        return without_fragment


def assemble(
    path: str,
    fmt: DocumentFormat,
    content_hash: str,
    findings: Findings,
    location: str | None = None,
) -> Document:
    """Merge occurrences into one citation per URL, ordered by first appearance."""
    groups: dict[str, _Group] = {}
    # Documents repeat URLs, and judging and normalizing them is the costly part:
    # each target is done once, as the reason it is ignored or its dedupe key.
    judged: dict[str, _Judged] = {}
    ignored: list[IgnoredLink] = []
    for link in sorted(findings.links, key=_POSITION):
        judgement = judged.get(link.target)
        if judgement is None:
            judgement = judged[link.target] = _judge(link.target)
        if isinstance(judgement, _Ignored):
            ignored.append(IgnoredLink(path, link.written, link.line, judgement.reason))
        else:
            _add(groups, judgement, link)
    own_url = findings.own_url
    if own_url:
        known = judged.get(own_url)
        own_url = known if isinstance(known, str) else link_key(own_url)
    else:
        own_url = None
    citations = tuple(_citation(path, group, findings.cited_at) for group in groups.values())
    return Document(
        path=path,
        format=fmt,
        content_hash=content_hash,
        citations=citations,
        own_url=own_url,
        cited_at=findings.cited_at,
        ignored=tuple(ignored),
        location=location,
    )


@dataclass(frozen=True, slots=True)
class _Ignored:
    reason: str


_Judged = str | _Ignored  # a checkable target's dedupe key, or why it is ignored


def _judge(target: str) -> _Judged:
    if is_normal_url(target):
        return target  # the common case: checkable, and its own dedupe key
    reason = checkable(target)
    return link_key(target) if reason is None else _Ignored(reason)


def _add(groups: dict[str, _Group], key: str, link: FoundLink) -> None:
    group = groups.get(key)
    if group is None:
        fragment = split_fragment(link.target.strip())[1] if "#" in link.target else None
        group = groups[key] = _Group(key, link, fragment or None, role=link.role)
    group.lines.add(link.line)
    if _ROLE_RANK[link.role] < _ROLE_RANK[group.role]:
        group.role = link.role
    if group.title is None and link.title:
        group.title = link.title


def _citation(path: str, group: _Group, cited_at: date | None) -> Citation:
    return Citation(
        document=path,
        url=group.url,
        url_as_written=group.first.written,
        lines=tuple(sorted(group.lines)),
        role=group.role,
        title=group.title,
        cited_at=cited_at,
        fragment=group.fragment,
    )


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins, for :func:`line_at`."""
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]


def line_at(starts: list[int], offset: int) -> int:
    """The 1-based line of ``offset``, given :func:`line_starts` of the text."""
    return bisect_right(starts, offset)


def bare_links(text: str, starts: list[int], role: Role = Role.INLINE) -> Iterator[FoundLink]:
    """Every bare URL in ``text`` as a :class:`FoundLink`."""
    for match in find_urls(text):
        written = text[match.start : match.end]
        line = line_at(starts, match.start)
        yield FoundLink(written, match.url, line, role, column=match.start - starts[line - 1])
