"""HTML: attribute values read as a browser reads them (review findings)."""

from __future__ import annotations

from linkcheck.extract import extract_text
from linkcheck.types import Document, DocumentFormat


def html(text: str) -> Document:
    return extract_text(text, "page.html", DocumentFormat.HTML)


def test_query_parameters_named_like_entities_stay_as_written() -> None:
    # "&reg", "&sect" and "&copy" are legacy entities that the text rule decodes even
    # without ";"; in an attribute, a following "=" or letter keeps them as written,
    # while references that end properly still decode.
    document = html(
        '<a href="https://example.com/search?q=maps&region=us">Maps</a>\n'
        "<a href='https://example.com/page?id=7&section=world&copy=2'>World</a>\n"
        "<a href=https://example.com/p?a=1&reg=2>Unquoted</a>\n"
        '<a href="https://example.com/?a=1&amp;b=2&#38;c=3&#x26;d=&copy;&reg">Decoded</a>\n'
        '<img src="https://img.example/a.png?x=1&amp;region=2" alt="&reg; chart">\n'
    )
    assert [(c.url_as_written, c.title) for c in document.citations] == [
        ("https://example.com/search?q=maps&region=us", "Maps"),
        ("https://example.com/page?id=7&section=world&copy=2", "World"),
        ("https://example.com/p?a=1&reg=2", "Unquoted"),
        ("https://example.com/?a=1&b=2&c=3&d=©®", "Decoded"),
        ("https://img.example/a.png?x=1&region=2", "® chart"),
    ]


def test_base_href_follows_the_attribute_rule_too() -> None:
    document = html('<base href="https://example.com/a&sect=1/">\n<a href="b">B</a>\n')
    assert [c.url for c in document.citations] == ["https://example.com/a&sect=1/b"]


def test_the_first_of_a_repeated_attribute_counts_as_in_browsers() -> None:
    document = html(
        '<a href="https://example.com/first" href="https://example.com/second">x</a>\n'
        '<a title="t&amp;c" HREF="https://example.com/one?a&amp;b" href="/two">y</a>\n'
        '<a href href="https://example.com/hidden">no link</a>\n'
    )
    assert [(c.url, c.lines) for c in document.citations] == [
        ("https://example.com/first", (1,)),
        ("https://example.com/one?a&b", (2,)),
    ]
