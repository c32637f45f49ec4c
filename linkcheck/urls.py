"""Everything linkcheck knows about URLs as strings: finding, judging, normalizing.

This is the one place where URLs are normalized, so the normalized form can be
the dedupe key of links everywhere else.  Nothing here does I/O.

Normalization (:func:`normalize_url`):

* only ``http`` and ``https`` URLs with a host are accepted;
* scheme and host are lower-cased, Unicode host labels are IDNA-encoded
  (UTS #46 mapping, punycode), default ports (``:80``/``:443``) and an empty
  port are dropped;
* percent-encoding is made consistent in user info, path and query: escapes of
  unreserved characters are decoded, other escapes get upper-case hex, and
  characters that must not appear raw (space, non-ASCII, ``"<>`` ...) are
  encoded as UTF-8 escapes;
* dot segments are removed and an empty path becomes ``/``;
* the query is kept in its order (never sorted), the fragment is removed
  (:func:`split_fragment` keeps it aside);
* ``www.`` and trailing slashes are kept: they may name different resources;
* a raw soft hyphen (U+00AD) is dropped: it is a hyphenation hint from the
  text a URL was copied from (an escaped ``%C2%AD`` is kept, it was meant).

The result is a fixed point: ``normalize_url(normalize_url(u)) == normalize_url(u)``.

Bare URLs in text (:func:`find_urls`) start with ``http://``, ``https://`` or
``www.``; a ``www.`` URL is read as ``http://`` (the GitHub Flavored Markdown
convention), and an ``https`` site redirects it anyway.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

import idna

__all__ = [
    "InvalidURL",
    "UrlMatch",
    "checkable",
    "date_in_url",
    "find_urls",
    "host_key",
    "is_normal_url",
    "normalize_url",
    "split_fragment",
    "url_path",
]

CHECKED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_USERINFO_SAFE = _UNRESERVED | _SUB_DELIMS | {":"}
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | {":", "@", "/"}
_QUERY_SAFE = _PATH_SAFE | {"?"}
_HEX = frozenset(string.hexdigits)

_HOST_LABEL_CHARS = frozenset(string.ascii_lowercase + string.digits + "-_")
#: A host that is already normal once lower-cased: ASCII labels, no empty one
#: but a final dot.  Most hosts are; they skip the label-by-label checks.
_PLAIN_HOST = re.compile(r"(?:[a-z0-9_\-]+\.)*[a-z0-9_\-]+\.?")
# Ideographic and full-width full stops separate labels like "." (UTS #46).
_UNICODE_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


class InvalidURL(ValueError):
    """A URL that cannot be normalized; the message says what is wrong."""


# --------------------------------------------------------------------------- normalize


def normalize_url(url: str) -> str:
    """Return the normalized absolute http(s) form of ``url`` without its fragment.

    Raises :class:`InvalidURL` for anything that is not a well-formed
    http(s) URL with a host.
    """
    if _already_normal(url):
        return url  # the common case, without splitting the URL into parts
    return _normalize(url)


def _normalize(url: str) -> str:
    # A soft hyphen is a hyphenation hint, invisible unless a line breaks there:
    # text copied from a page keeps it inside words, never as part of the address.
    parts = _split(url.replace("\u00ad", ""))
    scheme = parts.scheme.lower()
    if scheme not in CHECKED_SCHEMES:
        raise InvalidURL(f"unsupported scheme {parts.scheme!r}: only http and https are checked")
    netloc = _normalize_netloc(parts.netloc, scheme)
    path = _remove_dot_segments(_normalize_percent(parts.path, _PATH_SAFE)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = _normalize_percent(parts.query, _QUERY_SAFE)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def split_fragment(url: str) -> tuple[str, str | None]:
    """Split ``url`` into the part before ``#`` and the fragment (``None`` if absent)."""
    base, hash_sign, fragment = url.partition("#")
    return base, (fragment if hash_sign else None)


def host_key(url: str) -> str:
    """The lower-case IDNA host of ``url``: the key for per-host politeness.

    Works on URLs that do not fully normalize (a bad port, say) as long as a
    host can be read; raises :class:`InvalidURL` when there is none.
    """
    try:
        return _host_of(normalize_url(url))
    except InvalidURL:
        host = _split(url).hostname
        if not host:
            raise InvalidURL(f"no host in {url!r}") from None
        try:
            return _normalize_host(host)
        except InvalidURL:
            return host.lower()


def _host_of(normalized: str) -> str:
    hostname = urlsplit(normalized).hostname
    assert hostname is not None  # normalize_url guarantees a host
    return hostname


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url.strip())
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise InvalidURL(f"malformed URL {url!r}: {exc}") from None


def _normalize_netloc(netloc: str, scheme: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    host, port = _split_host_port(hostport)
    host = _normalize_host(host)
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    if at:
        return f"{_normalize_percent(userinfo, _USERINFO_SAFE)}@{host}"
    return host


def _split_host_port(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise InvalidURL(f"unterminated IPv6 address in {hostport!r}")
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            raise InvalidURL(f"unexpected text after IPv6 address: {rest!r}")
        port_text = rest[1:] if rest else ""
    else:
        host, _, port_text = hostport.partition(":")
    if not port_text:
        return host, None
    if not port_text.isascii() or not port_text.isdigit() or int(port_text) > 65535:
        raise InvalidURL(f"bad port {port_text!r}: must be a number from 0 to 65535")
    return host, int(port_text)


def _normalize_host(host: str) -> str:
    if host.isascii() and _PLAIN_HOST.fullmatch(lowered := host.lower()):
        return lowered
    if not host:
        raise InvalidURL("the URL has no host")
    if host.startswith("["):
        return _normalize_ipv6(host)
    if "%" in host:
        try:
            host = unquote(host, errors="strict")
        except UnicodeDecodeError:
            raise InvalidURL(f"bad percent-escape in host {host!r}") from None
    host = host.translate(_UNICODE_DOTS)
    labels = host.split(".")
    # A single trailing dot (fully qualified name) is legal: "example.com."
    inner = labels[:-1] if len(labels) > 1 and labels[-1] == "" else labels
    if any(label == "" for label in inner):
        raise InvalidURL(f"empty label in host {host!r}")
    return ".".join(_normalize_label(label, host) for label in labels)


def _normalize_label(label: str, host: str) -> str:
    if label.isascii():
        label = label.lower()
        if not set(label) <= _HOST_LABEL_CHARS:
            bad = sorted(set(label) - _HOST_LABEL_CHARS)
            raise InvalidURL(f"forbidden character {''.join(bad)!r} in host {host!r}")
        return label
    try:
        return idna.encode(label, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidURL(f"bad international host name {host!r}: {exc}") from None


def _normalize_ipv6(host: str) -> str:
    address = host[1:-1]
    try:
        ipaddress.IPv6Address(address.split("%", 1)[0])
    except ValueError:
        raise InvalidURL(f"bad IPv6 address {host!r}") from None
    return f"[{address.lower()}]"


def _all_of(characters: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(sorted(characters))) + "]*")


#: Per set of safe characters: a part made only of them is already normal.
_ALL_SAFE = {safe: _all_of(safe) for safe in (_USERINFO_SAFE, _PATH_SAFE, _QUERY_SAFE)}


def _normalize_percent(part: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the others, escape the unsafe."""
    already_normal = _ALL_SAFE.get(safe)
    if already_normal is not None and already_normal.fullmatch(part):
        return part  # the common case, without a Python-level loop
    out: list[str] = []
    index = 0
    while index < len(part):
        char = part[index]
        escape = part[index + 1 : index + 3]
        if char == "%" and len(escape) == 2 and set(escape) <= _HEX:
            decoded = chr(int(escape, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + escape.upper())
            index += 3
            continue
        if char in safe:
            out.append(char)
        else:  # a lone "%" lands here too and becomes "%25"
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
        index += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on an already percent-normalized path."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


# --------------------------------------------------------------------------- already normal


def _one_of(characters: frozenset[str]) -> str:
    return "[" + re.escape("".join(sorted(characters))) + "]"


#: An http(s) URL that :func:`normalize_url` returns unchanged, in one regex
#: match: most URLs in documents are written so, and they skip ``urlsplit`` and
#: the part-by-part work.  Lower-case scheme and plain host, a port without a
#: leading zero, then a path and a non-empty query of characters that need no
#: escape, and no fragment.  :func:`_already_normal` rules out what a regex says
#: badly: dot segments (a segment follows a ``/``, so none if there is no
#: ``/.``) and ports out of range or default.
_NORMAL_URL = re.compile(
    r"(?P<scheme>https?)://"
    r"(?:[a-z0-9_\-]+\.)*[a-z0-9_\-]+\.?"  # as _PLAIN_HOST, lower-case
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
    rf"(?P<path>/{_one_of(_PATH_SAFE)}*)"
    rf"(?:\?{_one_of(_QUERY_SAFE)}+)?"
)


def _already_normal(url: str) -> re.Match[str] | None:
    """The match of ``url`` if it is its own normal form (see ``_NORMAL_URL``), else None."""
    match = _NORMAL_URL.fullmatch(url)
    if match is None or "/." in match["path"]:
        return None
    port = match["port"]
    if port is not None and (int(port) > 65535 or int(port) == _DEFAULT_PORTS[match["scheme"]]):
        return None
    return match


def is_normal_url(url: str) -> bool:
    """Whether ``url`` is, at a glance, its own normal form.

    True means ``url`` is a checkable http(s) URL without fragment or
    surrounding space that :func:`normalize_url` returns unchanged; False only
    means that a closer look is needed.
    """
    return _already_normal(url) is not None


def url_path(url: str) -> str:
    """The path of ``url`` as :func:`urllib.parse.urlsplit` reads it.

    Raises ``ValueError`` where ``urlsplit`` does (an unbalanced ``[`` in the host).
    """
    # Any URL of the normal shape splits as the pattern reads it, whatever its port.
    match = _NORMAL_URL.fullmatch(url)
    return match["path"] if match else urlsplit(url).path


# --------------------------------------------------------------------------- judge


def checkable(url: str) -> str | None:
    """``None`` if ``url`` is an http(s) URL we check, else why it is not.

    An http(s) URL with a host is checkable even when it does not normalize
    (a bad port, a bad international name): the checker reports it as
    ``invalid`` so the author sees it.
    """
    url = url.strip()
    if _already_normal(url):
        return None  # the common case, without splitting the URL into parts
    return _why_not_checkable(url)


def _why_not_checkable(url: str) -> str | None:
    if not url:
        return "empty link"
    if url.startswith("#"):
        return "link to a place in the same document"
    if url.startswith("//"):
        return "scheme-relative link without a base URL"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"malformed URL: {exc}"
    scheme = parts.scheme.lower()
    if not scheme:
        return "relative link without a base URL"
    if scheme not in CHECKED_SCHEMES:
        return f"{scheme}: link, only http and https links are checked"
    try:
        host = parts.hostname
    except ValueError as exc:
        return f"malformed URL: {exc}"
    if not host:
        return "malformed URL: no host"
    return None


# --------------------------------------------------------------------------- dates


_DATE_PATTERNS = (
    re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})(?=/|$)"),
    re.compile(r"/(\d{4})-(\d{2})-(\d{2})(?=[/\-_.]|$)"),
    re.compile(r"/(\d{4})(\d{2})(\d{2})(?=/|$)"),
)
_PLAUSIBLE_YEARS = range(1990, 2101)


def date_in_url(url: str) -> datetime.date | None:
    """The publication date written in a URL path, if there is one.

    Recognised: ``/2025/06/10/``, ``/2025-06-10/`` (also ``/2025-06-10-slug``)
    and a whole segment ``/20250610/``.  Impossible dates and years outside
    1990-2100 are ignored, which keeps numeric article ids from passing for
    dates.  The earliest match in the path wins.
    """
    try:
        path = url_path(url)
    except ValueError:
        return None
    found: list[tuple[int, datetime.date]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(path):
            day = _plausible_date(*match.groups())
            if day is not None:
                found.append((match.start(), day))
                break
    return min(found)[1] if found else None


def _plausible_date(year: str, month: str, day: str) -> datetime.date | None:
    if int(year) not in _PLAUSIBLE_YEARS:
        return None
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


# --------------------------------------------------------------------------- find


@dataclass(frozen=True, slots=True)
class UrlMatch:
    """A bare URL found in text: ``text[start:end]`` as written, ``url`` absolute."""

    start: int
    end: int
    url: str


#: Ideographs, kana and hangul: Chinese and Japanese put no space between words,
#: so a URL may start right after one (``参见https://…``).
_CJK = "\u3005-\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_URL_START = re.compile(
    # "https://" or "www.", not inside a word, an e-mail address or a longer
    # dotted name.  Written to begin with the one character [hw], which lets the
    # regex engine skip along the text to candidates instead of trying the
    # look-behind at every position; the look-behinds then check the character
    # before that one and tell the two starts apart.  "bare" is set (to "") only
    # for a "www." start, which has no scheme.  A "_" before the start is let
    # through here and judged by _opens_emphasis.
    rf"[hw](?<![^\W_{_CJK}][hw])(?<![@.\-/+][hw])"
    r"(?:(?<=h)ttps?://(?=[^\s/?#])|(?<=w)ww\.(?=[^\W_])(?P<bare>))",
    re.IGNORECASE,
)
# Characters that can never be part of a bare URL: whitespace, controls,
# the delimiters RFC 3986 appendix C suggests, backticks, curly double quotes,
# CJK and full-width punctuation (never raw in a URL, and what ends a clause in
# CJK text), and the zero-width space, word joiner and byte order mark (break
# points after links; joiners U+200C/U+200D are kept: they are parts of words).
_URL_RUN = re.compile(
    r"[^\s<>\"`“”«»\x00-\x1f\x7f\u200b\u2060\ufeff"
    r"\u3001-\u3004\u3008-\u3020\u3030\uff01-\uff07\uff0a-\uff0f\uff1a-\uff20\uff3b-\uff40"
    r"\uff5b-\uff65]*"
)
_TRAILING_PUNCTUATION = frozenset(".,;:!?*_~'‘’…。，、；：！？")
#: Full-width parentheses too: a title in a CJK URL may hold them (``Python（编程语言）``).
_OPENERS = {"(": ")", "[": "]", "{": "}", "（": "）"}
_CLOSERS = {closer: opener for opener, closer in _OPENERS.items()}
#: What trimming drops from the end: punctuation, and openers (which close nothing there).
_TRIMMED = _TRAILING_PUNCTUATION | frozenset(_OPENERS)
_ANY_CLOSER = re.compile("[" + re.escape("".join(_CLOSERS)) + "]")
#: What may not stand right before a URL: see _URL_START.
_JOINS_URL = re.compile(rf"[^\W{_CJK}]|[@.\-/+]")


def find_urls(text: str) -> Iterator[UrlMatch]:
    """Bare ``http(s)://`` and ``www.`` URLs in running text.

    A URL ends at whitespace, at ``<>"`` or a curly double quote, or at a
    closing bracket that closes nothing inside the URL, so
    ``(see https://example.com/a)`` ends before ``)`` while
    ``https://en.wikipedia.org/wiki/Python_(programming_language)`` is kept
    whole.  Trailing punctuation and quotes are then trimmed.
    """
    position = 0
    while (start := _URL_START.search(text, position)) is not None:
        begin, head_end = start.span()
        if begin and text[begin - 1] == "_" and not _opens_emphasis(text, begin):
            position = head_end
            continue
        end = _trim(text, begin, _scan(text, head_end))
        position = max(end, head_end)
        # A URL needs a host after its head.  The start pattern saw a character
        # that can begin one, but trimming may take it ("http://." ends a
        # sentence); after "www." it saw a letter or digit, which trimming keeps.
        if end > head_end:
            written = text[begin:end]
            url = written if start.group("bare") is None else "http://" + written
            yield UrlMatch(begin, end, url)


def _opens_emphasis(text: str, begin: int) -> bool:
    """Whether the ``_`` run before ``begin`` opens emphasis (``_https://...``).

    It does where the run itself stands where a URL could begin, as Markdown's
    left-flanking rule has it; ``snake_https://`` is a word going on.  The
    closing run is trailing punctuation, trimmed like ``*`` and ``~``.
    """
    index = begin - 1
    while index and text[index - 1] == "_":
        index -= 1
    return index == 0 or _JOINS_URL.match(text, index - 1) is None


def _scan(text: str, index: int) -> int:
    """Index just past the URL body that starts before ``index``."""
    run = _URL_RUN.match(text, index)
    end = run.end() if run else index
    if _ANY_CLOSER.search(text, index, end) is None:
        return end  # the common case, without a Python-level loop
    depth = dict.fromkeys(_OPENERS, 0)
    for position in range(index, end):
        char = text[position]
        if char in _OPENERS:
            depth[char] += 1
        elif char in _CLOSERS:
            opener = _CLOSERS[char]
            if depth[opener] == 0:
                return position
            depth[opener] -= 1
    return end


def _trim(text: str, start: int, end: int) -> int:
    """Drop trailing punctuation and unclosed openers, which end sentences, not URLs."""
    while end > start and text[end - 1] in _TRIMMED:
        end -= 1
    return end
