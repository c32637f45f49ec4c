"""Which reader a document needs: markup by its name, article dumps by content, then a sniff.

A file named as Markdown or HTML (``.md``, ``.html`` ...) is read by that
format even if it holds an ``Original url:`` line: the name is its author's
statement, and the markup reader knows what a dump reader does not (code
blocks, link text, entities).  Article dumps are plain text, so any other name
(``.txt``, none, standard input) is read as a dump when it has the marker.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from linkcheck.extract.article import looks_like_article
from linkcheck.types import DocumentFormat

_BY_EXTENSION = {
    ".md": DocumentFormat.MARKDOWN,
    ".markdown": DocumentFormat.MARKDOWN,
    ".mdown": DocumentFormat.MARKDOWN,
    ".mkd": DocumentFormat.MARKDOWN,
    ".html": DocumentFormat.HTML,
    ".htm": DocumentFormat.HTML,
    ".xhtml": DocumentFormat.HTML,
    ".txt": DocumentFormat.TEXT,
    ".text": DocumentFormat.TEXT,
    ".rst": DocumentFormat.TEXT,
}
_SNIFF_CHARS = 8192
_HTML_START = re.compile(
    r"\A\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<html)", re.IGNORECASE
)
_HTML_TAGS = re.compile(r"<(?:a\s[^>]*href|p|div|body|head|br|li|table)\b", re.IGNORECASE)
_MARKDOWN_SIGNS = re.compile(
    r"^#{1,6}[ \t]+\S|\[[^\]\n]+\]\([^)\s]+\)|^ {0,3}\[[^\]\n]+\]:[ \t]*\S|^ {0,3}(?:```|~~~)",
    re.MULTILINE,
)


_MARKUP = frozenset({DocumentFormat.MARKDOWN, DocumentFormat.HTML})


def detect_format(text: str, path: str | None) -> DocumentFormat:
    """The format of ``text``: markup by its name, an article dump by its marker,
    else by extension or content."""
    markup = markup_by_name(path)
    if markup is not None:
        return markup
    if looks_like_article(text):
        return DocumentFormat.ARTICLE
    return detect_other_format(text, path)


def markup_by_name(path: str | None) -> DocumentFormat | None:
    """Markdown or HTML if ``path``'s extension says so: such a file is never an article dump."""
    by_name = _by_extension(path)
    return by_name if by_name in _MARKUP else None


def _by_extension(path: str | None) -> DocumentFormat | None:
    return _BY_EXTENSION.get(PurePath(path).suffix.lower()) if path else None


def detect_other_format(text: str, path: str | None) -> DocumentFormat:
    """The format of ``text`` known not to be an article dump: by extension, else content."""
    if by_name := _by_extension(path):
        return by_name
    head = text[:_SNIFF_CHARS]
    if _HTML_START.match(head) or len(_HTML_TAGS.findall(head)) >= 2:
        return DocumentFormat.HTML
    if _MARKDOWN_SIGNS.search(head):
        return DocumentFormat.MARKDOWN
    return DocumentFormat.TEXT
