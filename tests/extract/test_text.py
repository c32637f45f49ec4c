"""Plain text: bare URLs with their lines, spelling, fragment and validity."""

from __future__ import annotations

from linkcheck.extract import detect_format, extract_text
from linkcheck.types import Document, DocumentFormat, Role


def text(content: str) -> Document:
    return extract_text(content, "notes.txt", DocumentFormat.TEXT)


def test_bare_urls_with_lines_and_first_spelling() -> None:
    document = text(
        "Sources (see https://en.wikipedia.org/wiki/Python_(programming_language)).\n"
        "Also www.example.com/Page, and “https://quotes.example/a”.\n"
        "Again: HTTPS://EN.WIKIPEDIA.ORG/wiki/Python_(programming_language)#History!\n"
    )
    assert [(c.url, c.url_as_written, c.lines, c.fragment) for c in document.citations] == [
        (
            "https://en.wikipedia.org/wiki/Python_(programming_language)",
            "https://en.wikipedia.org/wiki/Python_(programming_language)",
            (1, 3),
            None,
        ),
        ("http://www.example.com/Page", "www.example.com/Page", (2,), None),
        ("https://quotes.example/a", "https://quotes.example/a", (2,), None),
    ]
    assert {c.role for c in document.citations} == {Role.INLINE}


def test_idn_hosts_are_normalized() -> None:
    document = text("Visit https://пример.испытание/путь and https://BÜCHER.example.\n")
    assert [c.url for c in document.citations] == [
        "https://xn--e1afmkfd.xn--80akhbyknj4f/%D0%BF%D1%83%D1%82%D1%8C",
        "https://xn--bcher-kva.example/",
    ]


def test_malformed_urls_stay_visible_as_citations() -> None:
    document = text("Bad port https://example.com:99999/x and bad name https://a..b/.\n")
    assert [c.url for c in document.citations] == [
        "https://example.com:99999/x",
        "https://a..b/",
    ]


def test_plain_text_is_the_fallback_format() -> None:
    assert detect_format("just words https://a.example/", None) is DocumentFormat.TEXT
    assert detect_format("# heading\n[a](https://a.example/)", None) is DocumentFormat.MARKDOWN
    assert detect_format("<p>x</p>", "notes.txt") is DocumentFormat.TEXT


def test_urls_in_underscore_emphasis_are_found_without_the_markers() -> None:
    # "_" before a URL opens emphasis, as "*" does; inside a word it does not.
    for document in (
        text(EMPHASIS),
        extract_text(EMPHASIS, "notes.md", DocumentFormat.MARKDOWN),
    ):
        assert [(c.url_as_written, c.lines) for c in document.citations] == [
            ("https://example.com/italic", (1,)),
            ("https://example.com/strong", (3,)),
            ("https://example.com/star", (5,)),
            ("www.example.com/bare", (6,)),
        ]


EMPHASIS = (
    "_https://example.com/italic_\n"
    "\n"
    "__https://example.com/strong__\n"
    "\n"
    "*https://example.com/star*\n"
    "(_www.example.com/bare_) snake_https://example.com/word\n"
)
