"""Markdown: entities, footnotes, tables, comments and titles (review findings)."""

from __future__ import annotations

from linkcheck.extract import extract_text
from linkcheck.types import Document, DocumentFormat


def markdown(text: str) -> Document:
    return extract_text(text, "doc.md", DocumentFormat.MARKDOWN)


def found(document: Document) -> list[tuple[str, tuple[int, ...], str | None]]:
    return [(c.url, c.lines, c.title) for c in document.citations]


def test_only_references_with_a_semicolon_are_decoded_in_destinations() -> None:
    document = markdown(
        "See [the story](https://example.com/page?id=7&section=world).\n"
        '[a &amp; b](https://example.com/?a=1&amp;b=2&#38;c=3&copy=4 "x &notit; y")\n'
        "[ref]\n\n[ref]: https://example.com/r?q=1&region=us\n"
    )
    assert [(c.url_as_written, c.title) for c in document.citations] == [
        ("https://example.com/page?id=7&section=world", "the story"),
        ("https://example.com/?a=1&b=2&c=3&copy=4", "a & b"),
        ("https://example.com/r?q=1&region=us", "ref"),
    ]


def test_label_lines_that_are_not_definitions_are_text() -> None:
    document = markdown(
        "A claim.[^1] An [Update] too.\n"
        "\n"
        "[^1]: See https://example.com/footnote-source for details.\n"
        "[Update]: The report is now at https://example.com/report (moved).\n"
        "[^2]: https://example.com/only-url\n"
    )
    assert found(document) == [
        ("https://example.com/footnote-source", (3,), None),
        ("https://example.com/report", (4,), None),
        ("https://example.com/only-url", (5,), None),
    ]


def test_definition_destination_on_the_next_line_and_titles() -> None:
    document = markdown(
        "See [ref text][r] and [other][o].\n"
        "\n"
        "[r]:\n"
        "  https://example.com/ref\n"
        '[o]: https://example.com/other "The title"\n'
    )
    assert found(document) == [
        ("https://example.com/ref", (1, 4), "ref text"),
        ("https://example.com/other", (1, 5), "other"),
    ]


def test_a_table_cell_ends_a_bare_url() -> None:
    document = markdown(
        "| source | link |\n"
        "|---|:---:|\n"
        "| Report |https://example.com/report|\n"
        "|https://example.com/a|https://example.com/b|\n"
        "\n"
        "Outside a table a pipe is kept: https://fonts.example/css?family=A|B\n"
    )
    assert found(document) == [
        ("https://example.com/report", (3,), None),
        ("https://example.com/a", (4,), None),
        ("https://example.com/b", (4,), None),
        ("https://fonts.example/css?family=A%7CB", (6,), None),
    ]


def test_commented_out_urls_are_not_cited() -> None:
    document = markdown(
        "Text <!-- old: https://example.com/commented-out --> more.\n"
        "<!--\n[x](https://example.com/hidden-link)\n-->\n"
        "Kept: https://example.com/kept\n"
    )
    assert found(document) == [("https://example.com/kept", (5,), None)]


def test_code_spans_in_anchor_text_keep_their_words() -> None:
    document = markdown(
        "See [the `fetch` guide](https://example.com/guide) and "
        "[``__init__`` *docs*](https://example.com/init).\n"
    )
    assert found(document) == [
        ("https://example.com/guide", (1,), "the fetch guide"),
        ("https://example.com/init", (1,), "__init__ docs"),
    ]
