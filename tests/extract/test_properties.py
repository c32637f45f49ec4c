"""Property-based tests: extraction never crashes, and what it yields is a usable URL."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck.extract import ExtractOptions, extract_text
from linkcheck.types import DocumentFormat
from linkcheck.urls import InvalidURL, find_urls, normalize_url

# Pieces that make the readers' tricky paths likely; mixed with arbitrary text.
PIECES = [
    "https://",
    "http://",
    "HTTPS://",
    "www.",
    "example.com",
    "Bücher.example",
    "例え.jp",
    "xn--",
    ":8080",
    ":99999",
    "/",
    "/path",
    "?q=1",
    "&amp;",
    "#frag",
    "%",
    "%41",
    "%zz",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "<",
    ">",
    '"',
    "'",
    "‘",
    "’",
    "“",
    "”",
    ".",
    ",",
    ";",
    "!",
    " ",
    "\n",
    "\r\n",
    "\t",
    "    ",
    "\n\n",
    "`",
    "```",
    "~~~",
    "*",
    "_",
    "-a89401",
    "Original url:",
    "Related article: ‘",
    "mailto:",
    "javascript:",
    "[t](",
    "](",
    "]: ",
    "![",
    '<a href="',
    '">',
    "</a>",
    '<base href="',
    "<script>",
    "</script>",
    "<blockquote cite='",
    "<!--",
    "-->",
    "[::1]",
    "@",
    "\\",
    "\x00",
    "\ufeff",
]
documents = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map(
    "".join
)

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("format", list(DocumentFormat))
@PROPERTY_SETTINGS
@given(text=documents)
def test_extraction_never_crashes_and_yields_usable_urls(format: DocumentFormat, text: str) -> None:
    for include_code in (False, True):
        options = ExtractOptions(include_code_blocks=include_code)
        document = extract_text(text, "doc", format, options)
        line_count = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        for citation in document.citations:
            parts = urlsplit(citation.url)
            assert parts.scheme.lower() in {"http", "https"}
            assert parts.hostname
            # A malformed URL is kept as written, for the checker to report as invalid.
            with contextlib.suppress(InvalidURL):
                assert normalize_url(citation.url) == citation.url
            assert citation.lines == tuple(sorted(set(citation.lines)))
            assert all(1 <= line <= line_count for line in citation.lines)
        for ignored in document.ignored:
            assert 1 <= ignored.line <= line_count
        urls = [citation.url for citation in document.citations]
        assert len(urls) == len(set(urls))


@PROPERTY_SETTINGS
@given(text=documents)
def test_detected_format_never_crashes(text: str) -> None:
    extract_text(text, "doc")


@PROPERTY_SETTINGS
@given(url=documents)
def test_normalize_url_is_a_fixed_point_or_says_why_not(url: str) -> None:
    try:
        normalized = normalize_url(url)
    except InvalidURL as exc:
        assert str(exc)
        return
    assert normalize_url(normalized) == normalized
    assert normalized.isascii()
    assert "#" not in normalized


@PROPERTY_SETTINGS
@given(text=documents)
def test_found_urls_are_slices_of_the_text(text: str) -> None:
    for match in find_urls(text):
        written = text[match.start : match.end]
        assert written
        assert not any(char.isspace() for char in written)
        assert match.url.endswith(written)
