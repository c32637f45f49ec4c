"""Which reader a document needs: article dumps by content, then extension, then a sniff."""

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


def detect_format(text: str, path: str | None) -> DocumentFormat:
    """The format of ``text``: an article dump whatever its name, else by extension or content."""
    if looks_like_article(text):
        return DocumentFormat.ARTICLE
    return detect_other_format(text, path)


def detect_other_format(text: str, path: str | None) -> DocumentFormat:
    """The format of ``text`` known not to be an article dump: by extension, else content."""
    if path and (by_name := _BY_EXTENSION.get(PurePath(path).suffix.lower())):
        return by_name
    head = text[:_SNIFF_CHARS]
    if _HTML_START.match(head) or len(_HTML_TAGS.findall(head)) >= 2:
        return DocumentFormat.HTML
    if _MARKDOWN_SIGNS.search(head):
        return DocumentFormat.MARKDOWN
    return DocumentFormat.TEXT
