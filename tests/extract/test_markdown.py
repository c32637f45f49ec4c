"""Markdown: link syntaxes, code that must not count, anchor text as title."""

from __future__ import annotations

from linkcheck.extract import ExtractOptions, extract_text
from linkcheck.types import Document, DocumentFormat


def markdown(text: str, *, include_code: bool = False) -> Document:
    options = ExtractOptions(include_code_blocks=include_code)
    return extract_text(text, "doc.md", DocumentFormat.MARKDOWN, options)


def found(document: Document) -> list[tuple[str, tuple[int, ...], str | None]]:
    return [(c.url, c.lines, c.title) for c in document.citations]


def test_inline_links_images_and_titles() -> None:
    document = markdown(
        "Read [the *Link rot* entry](https://en.wikipedia.org/wiki/Link_rot) today.\n"
        '![A chart](https://img.example/chart.png "Chart title")\n'
        '[](https://empty.example/ "Only a title")\n'
        "[![badge](https://img.example/b.svg)](https://ci.example/build)\n"
    )
    assert found(document) == [
        ("https://en.wikipedia.org/wiki/Link_rot", (1,), "the Link rot entry"),
        ("https://img.example/chart.png", (2,), "A chart"),
        ("https://empty.example/", (3,), "Only a title"),
        ("https://img.example/b.svg", (4,), "badge"),
        ("https://ci.example/build", (4,), "badge"),
    ]


def test_destinations_with_parentheses_angles_escapes_and_entities() -> None:
    document = markdown(
        "[Python](https://en.wikipedia.org/wiki/Python_(programming_language)).\n"
        "[spaces](<https://example.com/a b>)\n"
        "[query](https://example.com/?a=1&amp;b=2)\n"
        r"[escaped](https://example.com/\_x\_)" + "\n"
    )
    assert [c.url for c in document.citations] == [
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
        "https://example.com/a%20b",
        "https://example.com/?a=1&b=2",
        "https://example.com/_x_",
    ]


def test_reference_links_full_collapsed_and_shortcut() -> None:
    document = markdown(
        "The [Wayback Machine][wb] keeps copies; see [RFC 9110][] and [Python].\n"
        "An [undefined][nope] reference is just text.\n"
        "\n"
        "[WB]: https://web.archive.org/\n"
        '[rfc 9110]: <https://www.rfc-editor.org/rfc/rfc9110> "HTTP Semantics"\n'
        "[python]: https://www.python.org/\n"
        "[unused]: https://unused.example/\n"
    )
    assert found(document) == [
        ("https://web.archive.org/", (1, 4), "Wayback Machine"),
        ("https://www.rfc-editor.org/rfc/rfc9110", (1, 5), "RFC 9110"),
        ("https://www.python.org/", (1, 6), "Python"),
        ("https://unused.example/", (7,), None),
    ]


def test_autolinks_bare_urls_and_ignored_links() -> None:
    document = markdown(
        "HTTP: <https://www.rfc-editor.org/rfc/rfc9110>.\n"
        "Gone: https://httpbin.org/status/410.\n"
        "Mail <mailto:editor@example.org> or [me](mailto:me@example.org).\n"
        "See [the other page](./other.md) and [top](#top).\n"
    )
    assert [c.url for c in document.citations] == [
        "https://www.rfc-editor.org/rfc/rfc9110",
        "https://httpbin.org/status/410",
    ]
    assert [(i.url_as_written, i.line) for i in document.ignored] == [
        ("mailto:editor@example.org", 3),
        ("mailto:me@example.org", 3),
        ("./other.md", 4),
        ("#top", 4),
    ]
    assert "relative link" in document.ignored[2].reason


CODE = """\
Real: https://real.example/one

```bash
curl https://fenced.example/x
```

~~~~
https://tilde.example/
~~~~

    https://indented.example/

Use `curl https://span.example/` or ``a `tick` https://double.example/``.

- item with a link https://list.example/

    continued paragraph of the item https://continued.example/
"""


def test_code_is_not_cited() -> None:
    assert [c.url for c in markdown(CODE).citations] == [
        "https://real.example/one",
        "https://list.example/",
        "https://continued.example/",
    ]


def test_code_is_cited_when_asked() -> None:
    assert [c.url for c in markdown(CODE, include_code=True).citations] == [
        "https://real.example/one",
        "https://fenced.example/x",
        "https://tilde.example/",
        "https://indented.example/",
        "https://span.example/",
        "https://double.example/",
        "https://list.example/",
        "https://continued.example/",
    ]


def test_unclosed_fence_runs_to_the_end() -> None:
    assert markdown("a https://a.example/\n```\nhttps://b.example/\n").citations[0].lines == (1,)
    assert len(markdown("a https://a.example/\n```\nhttps://b.example/\n").citations) == 1


def test_raw_html_links_in_markdown() -> None:
    document = markdown('Text <a href="https://html.example/page?a=1&amp;b=2">here</a>.\n')
    assert found(document) == [("https://html.example/page?a=1&b=2", (1,), "here")]


def test_crlf_and_bom_keep_line_numbers() -> None:
    text = "\ufeff# Title\r\n\r\n[a](https://a.example/)\r\nhttps://b.example/\r\n"
    document = extract_text(text, "doc.md")
    assert document.format is DocumentFormat.MARKDOWN
    assert [(c.url, c.lines) for c in document.citations] == [
        ("https://a.example/", (3,)),
        ("https://b.example/", (4,)),
    ]


def test_same_url_with_fragments_is_one_citation() -> None:
    document = markdown("[a](https://a.example/p#one)\n[b](https://A.example/p#two)\n")
    [citation] = document.citations
    assert (citation.url, citation.lines, citation.fragment) == (
        "https://a.example/p",
        (1, 2),
        "one",
    )
    assert citation.url_as_written == "https://a.example/p#one"
