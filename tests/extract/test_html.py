"""HTML: what a real parser sees, with base resolution and anchor text."""

from __future__ import annotations

from linkcheck.extract import detect_format, extract_text
from linkcheck.types import Document, DocumentFormat


def html(text: str) -> Document:
    return extract_text(text, "page.html", DocumentFormat.HTML)


def test_anchors_entities_and_collapsed_anchor_text() -> None:
    document = html(
        "<p><a href='https://example.com/search?q=a&amp;lang=en'>Search\n"
        "   <b>results</b></a>\n"
        '<A HREF="https://example.com/a&#x2F;b">Upper case</A>\n'
        '<a href=" https://Bücher.example/x ">IDN</a></p>\n'
    )
    assert [(c.url, c.lines, c.title) for c in document.citations] == [
        ("https://example.com/search?q=a&lang=en", (1,), "Search results"),
        ("https://example.com/a/b", (3,), "Upper case"),
        ("https://xn--bcher-kva.example/x", (4,), "IDN"),
    ]
    assert document.citations[0].url_as_written == "https://example.com/search?q=a&lang=en"


def test_base_href_resolves_relative_links_wherever_it_stands() -> None:
    document = html(
        '<a href="early.html">before base</a>\n'
        '<head><base href="https://docs.python.org/3/library/"></head>\n'
        '<a href="asyncio.html#top">asyncio</a>\n'
        '<a href="../howto/">howto</a>\n'
        '<a href="/">root</a>\n'
        '<a href="https://other.example/">absolute</a>\n'
    )
    assert [(c.url, c.url_as_written, c.fragment) for c in document.citations] == [
        ("https://docs.python.org/3/library/early.html", "early.html", None),
        ("https://docs.python.org/3/library/asyncio.html", "asyncio.html#top", "top"),
        ("https://docs.python.org/3/howto/", "../howto/", None),
        ("https://docs.python.org/", "/", None),
        ("https://other.example/", "https://other.example/", None),
    ]


def test_relative_and_non_http_links_without_base_are_ignored() -> None:
    document = html(
        '<a href="page.html">rel</a> <a href="mailto:a@example.org">mail</a>\n'
        '<a href="javascript:void(0)">js</a> <a href="#frag">here</a> <a>no href</a>\n'
    )
    assert document.citations == ()
    assert [(i.url_as_written, i.line) for i in document.ignored] == [
        ("page.html", 1),
        ("mailto:a@example.org", 1),
        ("javascript:void(0)", 2),
        ("#frag", 2),
    ]


def test_cite_attributes_images_and_text_urls() -> None:
    document = html(
        '<blockquote cite="https://www.rfc-editor.org/rfc/rfc9110#section-15.4">\n'
        "  Quote.</blockquote>\n"
        '<q cite="https://q.example/">short</q> <del cite="https://del.example/">x</del>\n'
        '<img src="https://img.example/a.png" alt="A chart">\n'
        "<p>Plain text mention: https://text.example/page.</p>\n"
    )
    assert [(c.url, c.lines, c.title) for c in document.citations] == [
        ("https://www.rfc-editor.org/rfc/rfc9110", (1,), None),
        ("https://q.example/", (3,), None),
        ("https://del.example/", (3,), None),
        ("https://img.example/a.png", (4,), "A chart"),
        ("https://text.example/page", (5,), None),
    ]


def test_script_style_and_comments_are_not_read() -> None:
    document = html(
        "<script>var u = 'https://script.example/'; if (a < b) {}</script>\n"
        "<style>body { background: url(https://style.example/bg.png) }</style>\n"
        "<!-- <a href='https://comment.example/'>old</a> -->\n"
        '<a href="https://kept.example/"><img src="https://img.example/logo.png" alt="Logo"></a>\n'
    )
    assert [(c.url, c.title) for c in document.citations] == [
        ("https://kept.example/", "Logo"),
        ("https://img.example/logo.png", "Logo"),
    ]


def test_attribute_on_a_later_line_is_reported_at_its_line() -> None:
    document = html('<p>\n<a class="x"\n   href="https://late.example/">late</a>\n')
    assert document.citations[0].lines == (3,)


def test_anchor_text_url_is_one_citation() -> None:
    document = html('<a href="https://same.example/">https://same.example/</a>\n')
    assert [(c.url, c.lines) for c in document.citations] == [("https://same.example/", (1,))]


def test_html_is_detected_without_a_file_name() -> None:
    assert detect_format("<!DOCTYPE html><html><body></body></html>", None) is DocumentFormat.HTML
    assert (
        detect_format("<p>One <a href='https://x.example/'>x</a></p>", "-") is DocumentFormat.HTML
    )


def test_malformed_declarations_are_read_as_text_not_a_crash() -> None:
    # html.parser raises AssertionError on these; found by hypothesis
    cases = {
        "<![例え.jp https://a.example/x": ["https://a.example/x"],
        "<![https": [],
        "<!-- fine --><![ 例 ]] <a href='https://b.example/'>b</a>": ["https://b.example/"],
    }
    for text, urls in cases.items():
        document = extract_text(text, "page.html", DocumentFormat.HTML)
        assert [c.url for c in document.citations] == urls
