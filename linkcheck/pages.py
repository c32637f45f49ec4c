"""Pure helpers over the first bytes of an HTML page: its text, title, "not found" signals,
fingerprint.

No HTTP here: the checker feeds these a body prefix, and the archive adapter reuses
:func:`looks_not_found` on archived pages.  Regular expressions over a prefix are
deliberately rough: they run once per checked page, so they must be cheap, and a
page that hides its title behind scripts gives no reliable signal anyway.
"""

from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

#: How far the HTML spec's prescan looks for a ``<meta>`` that names the charset.
_PRESCAN_BYTES = 1024
#: ``<meta charset="…">`` and ``<meta http-equiv="Content-Type" content="…; charset=…">`` alike.
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([-\w.:]+)", re.IGNORECASE)
#: Byte order marks, which outrank any declared charset (as in browsers).
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Codecs Python knows and no browser does: no page is written in them, and decoding
#: with them fails (``idna``, ``undefined``) or yields lone surrogates, which no
#: database or JSON file can hold (the escapes, UTF-7).
_NOT_PAGE_CODECS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "utf-7"}
    # Transforms, not text encodings: bytes.decode() refuses them outright.
    | {"base64", "bz2", "hex", "quopri", "rot-13", "uu", "zlib"}
)
#: What browsers read these labels as (the Encoding Standard): pages labelled
#: latin-1 or ASCII are written in windows-1252, curly apostrophes included.
_BROWSER_CODECS = {"iso8859-1": "cp1252", "ascii": "cp1252"}


def decode_page(body: bytes, declared: str | None) -> str:
    """The text of a page's first bytes, decoded about as a browser would.

    The encoding is taken from a byte order mark, else the charset ``declared``
    by the ``Content-Type`` header, else a ``<meta>`` in the first 1024 bytes,
    else UTF-8.  Undecodable bytes become U+FFFD: a page's text is always valid.
    """
    for bom, marked in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(marked, "replace")
    encoding = _page_codec(declared) if declared else None
    if encoding is None:
        encoding = meta_charset(body) or "utf-8"
    try:
        return body.decode(encoding, "replace")
    except (LookupError, ValueError):  # a codec that fails even with "replace"
        return body.decode("utf-8", "replace")


def meta_charset(body: bytes) -> str | None:
    """The codec a ``<meta>`` in the first 1024 bytes of ``body`` names, if a page can
    be written in it (the HTML spec's prescan; a saved page carries it too)."""
    meta = _META_CHARSET.search(body, 0, _PRESCAN_BYTES)
    if meta is None:
        return None
    encoding = _page_codec(meta.group(1).decode("ascii"))
    # A <meta> readable as ASCII is not in UTF-16 or UTF-32 (the HTML spec says UTF-8).
    if encoding is None or encoding.startswith(("utf-16", "utf-32")):
        return None
    return encoding


@lru_cache(maxsize=64)
def _page_codec(label: str) -> str | None:
    """Python's codec for a charset label, or ``None`` when no page uses it."""
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):  # unknown, or no codec name at all
        return None
    if name in _NOT_PAGE_CODECS:
        return None
    return _BROWSER_CODECS.get(name, name)


_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)

#: Sentences that say *this page* is gone, wherever they stand in a title segment
#: or main heading.  Matched on lower-cased text with collapsed spaces and straight
#: apostrophes.  Each has the page (or the bare status line) as its subject, so a
#: headline such as "Missing plane not found" does not make a live article look
#: gone.  A few languages, because cited sources are not all English.
_PAGE = r"page (?:you (?:requested|are looking for|were looking for) )?"
_GONE_STATEMENTS = re.compile(
    r"\b404\W*not found"  # the status line, also as "404 (Not Found)"
    rf"|{_PAGE}(?:(?:was|is|has been) )?(?:not|could not be|couldn't be|cannot be|can't be) found"
    rf"|{_PAGE}(?:is )?no longer (?:available|exists)"
    rf"|{_PAGE}(?:does not|doesn't) exist"
    r"|(?:page|content|article|file|document|resource) (?:is )?not found"
    r"|seite (?:wurde )?nicht gefunden"  # German
    r"|page introuvable|page non trouvée|page n'existe plus"  # French
    r"|página no encontrada"  # Spanish
    r"|pagina non trovata"  # Italian
    r"|pagina niet gevonden"  # Dutch
    r"|página não encontrada"  # Portuguese
    r"|страница не найдена"  # Russian
    r"|nie znaleziono strony"  # Polish
    r"|ページが見つかりません|找不到网页|找不到页面|页面不存在"  # Japanese, Chinese
)
#: Names of the error ("Error 404", "404 page", "Not Found", "Gone").  A name is
#: also the topic of pages *about* the error ("The 404 Page Hall of Fame", "Soft
#: 404 errors", "Error 404 (album)"), so it only counts as a whole title segment:
#: "Error 404 | Example News" is an error page, a longer title is about one.
_GONE_NAMES = re.compile(
    r"(?:(?:http|error|status|code)\s*:?\s*)*404(?:\s*(?:error|page))*"
    r"|(?:error )?not found|gone|no longer available|does not exist|doesn't exist"
    r"|nicht gefunden|no encontrado|introuvable|non trovato|niet gevonden|não encontrado"
    r"|не найдено"
)
#: Words an error page puts around its name without changing it ("Oops! Not found.").
_INTERJECTION = re.compile(r"^(?:oops|whoops|sorry|uh[- ]?oh|ouch)\b\W*")
_SEGMENT_SEPARATOR = re.compile(r"\s+[|\-–—:·»]\s+|\s*[|·»]\s*")
#: "Head: Subtitle", the way works are titled ("Page Not Found: A History of Link
#: Rot").  An error page joins its parts with spaced separators ("Page not found |
#: Example", French "Page introuvable : Le Monde"); a subtitle starts with a word.
_WORK_TITLE = re.compile(r"\S[^:]*[^\s:]: ([^\W\d_].*)")
#: A word that every statement and name above contains (some as a stem): a text
#: holding none of them cannot say "not found", and most titles hold none.
_GONE_WORDS = re.compile(
    r"404|found|exist|availab|gone|gefunden|introuvable|trouv|encontrad|trovat|gevonden"
    r"|найден|znaleziono|見つかりません|找不到|不存在"
)
#: Runs of letters or of digits: the words of an address.
_WORD = re.compile(r"[^\W\d_]+|\d+")


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
    return bool(_not_found_signals(text))


def _not_found_signals(text: str) -> list[str]:
    """The parts of ``text`` that say the page is not found (none for most titles)."""
    lowered = text.lower()
    if not _GONE_WORDS.search(lowered):
        return []
    lowered = _collapse(lowered).replace("’", "'")
    signals: list[str] = []
    for segment in _SEGMENT_SEPARATOR.split(lowered):
        signals.extend(_segment_signals(segment))
    return signals


def _segment_signals(segment: str) -> list[str]:
    """What one title segment says about the page being gone."""
    work = _WORK_TITLE.fullmatch(segment)
    if work is not None and not _segment_signals(work.group(1)):
        # A work's title ("Page Not Found: A History of Link Rot") names its topic;
        # "Error 404: Page not found" is no such title, its second half says so too.
        return []
    name = _INTERJECTION.sub("", segment).rstrip(" .!?")
    if _GONE_NAMES.fullmatch(name):
        return [name]
    return [match.group() for match in _GONE_STATEMENTS.finditer(segment)]


def looks_not_found(html: str, title: str | None = None, *, address: str | None = None) -> bool:
    """Whether the page's title or first ``<h1>`` says the page is not found.

    ``title`` may be passed when the caller already extracted it, to save a scan.
    Only the title and the main heading are read: body text mentioning "404"
    (an article about HTTP, say) must not make a live page look gone.

    ``address`` is the page's own URL, when the page was not sent there by a
    redirect.  A title naming the very error its own address names is the title
    of a page *about* that error: "HTTP 404 - Wikipedia" at ``/wiki/HTTP_404``,
    "Gone - Wikipedia" at ``/wiki/Gone``, "404 Not Found - HTTP | MDN" at
    ``/Status/404``.  An error page served in place of ``/news/some-story`` names
    its error, not the story, so it is still caught.
    """
    if title is None:
        title = extract_title(html)
    if title is not None and _says_more_than(address, _not_found_signals(title)):
        return True
    heading = _first_heading(html)
    return heading is not None and _says_more_than(address, _not_found_signals(heading))


def _says_more_than(address: str | None, signals: list[str]) -> bool:
    """Whether some of ``signals`` name an error that the page's ``address`` does not."""
    if not signals or address is None:
        return bool(signals)
    named = _address_words(address)
    return any(not _names_the_same_error(named, signal) for signal in signals)


def _address_words(address: str) -> list[str]:
    """The words of an address's last path segment and its query (``index.php?title=Gone``),
    letters and digits apart (``soft404`` is "soft" and "404")."""
    parts = urlsplit(address)
    last_segment = parts.path.rstrip("/").rpartition("/")[2]
    return _WORD.findall(unquote(f"{last_segment} {parts.query}").lower())


def _names_the_same_error(address_words: list[str], signal: str) -> bool:
    """Whether the address holds an error word of ``signal`` ("404", "found", "gone"):
    the words of one signal name one error ("404 Not Found" at ``/Status/404``)."""
    return any(
        any(_is_word_of(stem, word) for word in address_words)
        for stem in _GONE_WORDS.findall(signal)
    )


def _is_word_of(stem: str, word: str) -> bool:
    # A status code is a whole number ("/item/14045" is no 404); a stem may sit
    # inside a word ("introuvable").
    return stem == word if stem.isdigit() else stem in word


def fingerprint(html: str) -> str:
    """A SHA-256 hex digest of the page prefix with scripts, styles and spacing normalized.

    Scripts and styles are dropped because they carry per-request noise (nonces,
    cache busters) that would make an unchanged page look changed.
    """
    lowered = html.lower()
    if "<script" in lowered or "<style" in lowered:
        lowered = _SCRIPT_OR_STYLE.sub(" ", lowered)
    return hashlib.sha256(_collapse(lowered).encode("utf-8", "replace")).hexdigest()
