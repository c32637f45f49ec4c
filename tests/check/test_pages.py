"""The HTML-prefix helpers: title, "not found" signals, fingerprint."""

from __future__ import annotations

import pytest

from linkcheck.pages import (
    decode_page,
    extract_title,
    fingerprint,
    looks_not_found,
    says_not_found,
)


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
        ("Page not found – Example News", True),
        ("Oops! That page can’t be found.", True),
        ("The page you requested could not be found", True),
        ("Error 404: Page not found | Site", True),
        ("Error 404: Not Found", True),
        ("HTTP Status 404 – Not Found", True),
        ("Error: 404", True),
        ("Whoops, 404 error page", True),
        # Titles of pages about the errors: a name of the error inside a longer
        # title is its topic, and so is the head of a "Head: Subtitle" title.
        ("Soft 404 errors | Google Search Central", False),
        ("Error 404 (album) - Wikipedia", False),
        ("The 404 Page Hall of Fame", False),
        ("Page Not Found: A History of Link Rot", False),
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


@pytest.mark.parametrize(
    ("title", "address"),
    [
        ("HTTP 404 - Wikipedia", "https://en.wikipedia.org/wiki/HTTP_404"),
        ("Gone - Wikipedia", "https://en.wikipedia.org/wiki/Gone"),
        ("Gone - Wikipedia", "https://en.wikipedia.org/w/index.php?title=Gone"),
        ("Página no encontrada", "https://example.es/libros/p%C3%A1gina-no-encontrada/"),
        (
            "404 Not Found - HTTP | MDN",
            "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404",
        ),
    ],
)
def test_a_title_that_names_its_own_address_is_the_pages_topic(title: str, address: str) -> None:
    html = f"<title>{title}</title><h1>{title}</h1>"
    assert looks_not_found(html)  # alone, the title is ambiguous
    assert not looks_not_found(html, address=address)


@pytest.mark.parametrize(
    ("html", "address"),
    [
        # An error page in place of a story names its error, not the story.
        ("<title>Page not found</title>", "https://example.com/news/2019/404-errors-explained"),
        ("<title>Gone</title>", "https://example.com/news/2019/404-errors-explained"),
        ("<title>404</title>", "https://example.com/item/14045"),
        ("<title>404 - Page not found</title>", "https://example.com/news/404-explained"),
        # The title names the address, the heading says more.
        ("<title>HTTP 404</title><h1>Page not found</h1>", "https://example.org/http-404"),
    ],
)
def test_an_address_only_excuses_what_it_names(html: str, address: str) -> None:
    assert looks_not_found(html, address=address)


def test_looks_not_found_uses_a_title_already_extracted() -> None:
    html = "<title>Ignored</title>"
    assert looks_not_found(html, title="Page not found")


def test_fingerprint_ignores_spacing_case_and_scripts() -> None:
    a = "<p>Hello   World</p><script>nonce=123</script>"
    b = "<P>hello world</P>\n<script>nonce=456</script>"
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint("<p>Goodbye world</p>")
    assert len(fingerprint("")) == 64


def _page(head: str, title: str, encoding: str) -> bytes:
    return f"<html><head>{head}<title>{title}</title></head>".encode(encoding)


@pytest.mark.parametrize(
    ("body", "declared", "text"),
    [
        # The header's charset; none at all means UTF-8.
        ("Café".encode("latin-1"), "ISO-8859-1", "Café"),
        ("Café".encode(), None, "Café"),
        # Browsers read latin-1 and ASCII labels as windows-1252 (curly quotes).
        ("can’t".encode("cp1252"), "iso-8859-1", "can’t"),
        ("can’t".encode("cp1252"), "us-ascii", "can’t"),
        # A <meta> when the header names none (or names nothing known) ...
        (_page('<meta charset="koi8-r">', "Привет", "koi8-r"), None, "Привет"),
        (_page("<META CHARSET='koi8-r'>", "Привет", "koi8-r"), "x-unknown", "Привет"),
        (
            _page(
                '<meta http-equiv=Content-Type content="text/html;charset=euc-jp">',
                "日本",
                "euc-jp",
            ),
            None,
            "日本",
        ),
        # ... but never over the header, and only in the first 1024 bytes.
        (_page('<meta charset="latin-1">', "Café", "utf-8"), "utf-8", "Café"),
        (b" " * 1024 + _page('<meta charset="latin-1">', "Café", "utf-8"), None, "Café"),
        # A <meta> readable as ASCII cannot mean UTF-16.
        (_page('<meta charset="utf-16">', "Café", "utf-8"), None, "Café"),
        # A byte order mark wins over everything.
        (b"\xef\xbb\xbf" + _page('<meta charset="latin-1">', "Café", "utf-8"), "latin-1", "Café"),
        (b"\xff\xfe" + "Café".encode("utf-16-le"), "utf-8", "Café"),
        # Labels no page is written in, or no codec at all: UTF-8 with replacement.
        ("Café".encode(), "idna", "Café"),
        ("Café".encode(), "undefined", "Café"),
        ("Café".encode(), "utf-7", "Café"),
        ("Café".encode(), "base64", "Café"),
        ("Café".encode(), "bad\x00label", "Café"),
        (b"\\ud800 Caf\xc3\xa9", "unicode_escape", "\\ud800 Café"),
        (b"Caf\xe9", None, "Caf\ufffd"),
    ],
)
def test_decode_page(body: bytes, declared: str | None, text: str) -> None:
    assert text in decode_page(body, declared)
