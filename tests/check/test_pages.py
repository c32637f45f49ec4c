"""The HTML-prefix helpers: title, "not found" signals, fingerprint."""

from __future__ import annotations

import pytest

from linkcheck.pages import extract_title, fingerprint, looks_not_found, says_not_found


@pytest.mark.parametrize(
    ("html", "title"),
    [
        ("<html><head><title>Hello</title></head></html>", "Hello"),
        ("<TITLE lang='en'>\n  A &amp; B \n</TITLE>", "A & B"),
        ("<title></title>", None),
        ("<p>no title here</p>", None),
        ("<title>first</title><title>second</title>", "first"),
    ],
)
def test_extract_title(html: str, title: str | None) -> None:
    assert extract_title(html) == title


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("404 Not Found", True),
        ("Page not found | Example News", True),
        ("Example News | Not found", True),
        ("Oops! Not found.", True),
        ("Error 404", True),
        ("404", True),
        ("Error 404 (Not Found)!!1", True),
        ("404 | Example", True),
        ("Sorry, this page is no longer available", True),
        ("The page you requested doesn't exist", True),
        ("Seite nicht gefunden", True),
        ("Page introuvable – Le Monde", True),
        ("Página no encontrada", True),
        ("Страница не найдена", True),
        # Headlines that merely contain the words are live articles.
        ("Missing plane not found after decades", False),
        ("Article 404", False),
        ("Top 404 recipes", False),
        ("Drug no longer available in US pharmacies", False),
        ("Welcome home", False),
        ("", False),
    ],
)
def test_says_not_found(text: str, gone: bool) -> None:
    assert says_not_found(text) is gone


def test_looks_not_found_reads_title_and_main_heading_only() -> None:
    assert looks_not_found("<title>Example</title><h1>Page not found</h1>")
    assert looks_not_found("<title>404 - Example</title><h1>Hello</h1>")
    assert not looks_not_found("<title>HTTP status codes</title><p>The page not found code</p>")


def test_looks_not_found_uses_a_title_already_extracted() -> None:
    html = "<title>Ignored</title>"
    assert looks_not_found(html, title="Page not found")


def test_fingerprint_ignores_spacing_case_and_scripts() -> None:
    a = "<p>Hello   World</p><script>nonce=123</script>"
    b = "<P>hello world</P>\n<script>nonce=456</script>"
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint("<p>Goodbye world</p>")
    assert len(fingerprint("")) == 64
