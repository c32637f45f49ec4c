"""Pure helpers over the first bytes of an HTML page: title, "not found" signals, fingerprint.

No HTTP here: the checker feeds these a body prefix, and the archive adapter reuses
:func:`looks_not_found` on archived pages.  Regular expressions over a prefix are
deliberately rough: they run once per checked page, so they must be cheap, and a
page that hides its title behind scripts gives no reliable signal anyway.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re

_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)

#: Phrases that say the page is gone wherever they stand in a title or main heading.
#: Matched on lower-cased text with collapsed spaces.  They all name the page (or
#: are a bare status code), so a headline such as "Missing plane not found" does
#: not make a live article look gone.  A few languages, because cited sources are
#: not all English.
_GONE_PHRASES = re.compile(
    r"\b(?:error|http|code)\s*:?\s*404\b|\b404\s*(?:error|page|not found)"
    r"|page (?:was |could not be |cannot be |can't be |can’t be )?not (?:be )?found"
    r"|page (?:is |you requested is )?no longer (?:available|exists)"
    r"|page (?:you requested |you are looking for )?(?:does not|doesn't|doesn’t) exist"
    r"|(?:page|content|article|file|document|resource) (?:is )?not found"
    r"|seite (?:wurde )?nicht gefunden"  # German
    r"|page introuvable|page non trouvée|page n'existe plus|page n’existe plus"  # French
    r"|página no encontrada"  # Spanish
    r"|pagina non trovata"  # Italian
    r"|pagina niet gevonden"  # Dutch
    r"|página não encontrada"  # Portuguese
    r"|страница не найдена"  # Russian
    r"|nie znaleziono strony"  # Polish
    r"|ページが見つかりません|找不到网页|找不到页面|页面不存在"  # Japanese, Chinese
)
#: Phrases that only count when they are a whole segment of the title
#: ("Not Found", "Example News | Not found"), never inside a longer sentence.
_GONE_SEGMENTS = frozenset(
    {
        "404",
        "not found",
        "error not found",
        "oops! not found",
        "nicht gefunden",
        "no encontrado",
        "introuvable",
        "non trovato",
        "niet gevonden",
        "não encontrado",
        "не найдено",
        "gone",
        "no longer available",
        "does not exist",
        "doesn't exist",
    }
)
_SEGMENT_SEPARATOR = re.compile(r"\s+[|\-–—:·»]\s+|\s*[|·»]\s*")
#: A word that every phrase and segment above contains (some as a stem): a text
#: holding none of them cannot say "not found", and most titles hold none.
_GONE_WORDS = re.compile(
    r"404|found|exist|availab|gone|gefunden|introuvable|trouv|encontrad|trovat|gevonden"
    r"|найден|znaleziono|見つかりません|找不到|不存在"
)


def _collapse(text: str) -> str:
    """Runs of whitespace as one space, none at the ends (faster than a regex)."""
    return " ".join(text.split())


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    if "<" in fragment:
        fragment = _TAG.sub(" ", fragment)
    if "&" in fragment:
        fragment = html_lib.unescape(fragment)
    return _collapse(fragment)


def extract_title(html: str) -> str | None:
    """The page's ``<title>`` text, or ``None`` when there is none (or it is empty)."""
    match = _TITLE.search(html)
    if match is None:
        return None
    title = _text(match.group(1))
    return title or None


def _first_heading(html: str) -> str | None:
    start = _find_either(html, "<h1", "<H1")  # the regex's only two spellings: "1" has no case
    if start < 0:
        return None  # decided without running the regex over the whole prefix
    match = _H1.search(html, start)
    return _text(match.group(1)) if match else None


def _find_either(text: str, first: str, second: str) -> int:
    """Where ``first`` or ``second`` first occurs in ``text``, or -1."""
    at = text.find(first)
    end = len(text) if at < 0 else at
    other = text.find(second, 0, end)
    return at if other < 0 else other


def says_not_found(text: str) -> bool:
    """Whether a short text (a title, a heading) says the page is not found."""
    lowered = text.lower()
    if not _GONE_WORDS.search(lowered):
        return False
    lowered = _collapse(lowered)
    if _GONE_PHRASES.search(lowered):
        return True
    segments = _SEGMENT_SEPARATOR.split(lowered)
    return any(segment.strip(" .!") in _GONE_SEGMENTS for segment in segments)


def looks_not_found(html: str, title: str | None = None) -> bool:
    """Whether the page's title or first ``<h1>`` says the page is not found.

    ``title`` may be passed when the caller already extracted it, to save a scan.
    Only the title and the main heading are read: body text mentioning "404"
    (an article about HTTP, say) must not make a live page look gone.
    """
    if title is None:
        title = extract_title(html)
    if title is not None and says_not_found(title):
        return True
    heading = _first_heading(html)
    return heading is not None and says_not_found(heading)


def fingerprint(html: str) -> str:
    """A SHA-256 hex digest of the page prefix with scripts, styles and spacing normalized.

    Scripts and styles are dropped because they carry per-request noise (nonces,
    cache busters) that would make an unchanged page look changed.
    """
    lowered = html.lower()
    if "<script" in lowered or "<style" in lowered:
        lowered = _SCRIPT_OR_STYLE.sub(" ", lowered)
    return hashlib.sha256(_collapse(lowered).encode("utf-8", "replace")).hexdigest()
