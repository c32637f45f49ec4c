"""Article dumps: the sample, and the variants real dumps come in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from linkcheck.extract import detect_format, extract_documents, extract_text
from linkcheck.types import Citation, Document, DocumentFormat, Role

MOSCOW = "https://www.themoscowtimes.com"
OWN = f"{MOSCOW}/2025/06/10/new-us-russian-talks-coming-very-soon-deputy-fm-says-a89401"
FORUM = (
    f"{MOSCOW}/2025/07/26/the-fight-for-souls-and-minds-alex-jones-george-galloway-"
    "errol-musk-and-more-attend-far-right-forum-of-the-future-in-moscow"
)
FLIGHTS = (
    f"{MOSCOW}/2025/04/17/resumption-of-direct-flights-depends-on-ukraine-ceasefire-"
    "us-tells-russia-a88780"
)
TASS = "https://tass.ru/politika/24190039"
FORUM_TITLE = (
    "The Fight for Souls and Minds: Alex Jones, George Galloway, Errol Musk and More "
    "Attend Far-Right Forum of the Future in Moscow"
)


def article(text: str) -> Document:
    return extract_text(text, "dump.txt", DocumentFormat.ARTICLE)


def by_url(document: Document) -> dict[str, Citation]:
    return {citation.url: citation for citation in document.citations}


def test_sample_yields_the_four_cited_urls(sample_path: Path) -> None:
    [document] = extract_documents([str(sample_path)])
    assert isinstance(document, Document)
    assert document.format is DocumentFormat.ARTICLE
    assert [c.url for c in document.citations] == [OWN, FORUM, FLIGHTS, TASS]
    assert [(c.role, c.lines) for c in document.citations] == [
        (Role.ORIGINAL, (49,)),
        (Role.RELATED, (52, 53)),
        (Role.RELATED, (54,)),
        (Role.RELATED, (55,)),
    ]
    assert {c.cited_at for c in document.citations} == {date(2025, 6, 10)}
    assert document.own_url == OWN
    assert document.cited_at == date(2025, 6, 10)
    assert document.ignored == ()


def test_sample_attaches_the_related_article_title(sample_path: Path) -> None:
    [document] = extract_documents([str(sample_path)])
    assert isinstance(document, Document)
    assert {c.url: c.title for c in document.citations} == {
        OWN: None,
        FORUM: FORUM_TITLE,
        FLIGHTS: None,
        TASS: None,
    }


def test_sample_original_is_written_as_joined(sample_path: Path) -> None:
    [document] = extract_documents([str(sample_path)])
    assert isinstance(document, Document)
    assert document.citations[0].url_as_written == OWN


def test_sample_is_recognised_by_content_whatever_its_name(sample_path: Path) -> None:
    text = sample_path.read_text(encoding="utf-8")
    assert detect_format(text, "notes.md") is DocumentFormat.ARTICLE
    assert detect_format(text, None) is DocumentFormat.ARTICLE
    assert extract_text(text, "-").format is DocumentFormat.ARTICLE


def test_original_url_on_the_marker_line_and_no_blank_line_after_it() -> None:
    document = article(
        "Body.\n"
        "Original url: https://news.example/2024/01/02/story\n"
        "https://related.example/a\n"
        "https://related.example/b\n"
    )
    assert [(c.url, c.role, c.lines) for c in document.citations] == [
        ("https://news.example/2024/01/02/story", Role.ORIGINAL, (2,)),
        ("https://related.example/a", Role.RELATED, (3,)),
        ("https://related.example/b", Role.RELATED, (4,)),
    ]
    assert document.cited_at == date(2024, 1, 2)


def test_crlf_trailing_spaces_and_wrapped_urls() -> None:
    text = (
        "Body text.  \r\n"
        "\r\n"
        "Original URL:   \r\n"
        "https://news.example/2023/05/06/a-long-slug-wrapped-by-the  \r\n"
        "-dumping-tool-a123  \r\n"
        "\r\n"
        "https://related.example/a-long-related-url-that-was\r\n"
        "/wrapped-too\r\n"
        "https://related.example/next  \r\n"
    )
    document = article(text)
    assert [(c.url, c.role, c.lines) for c in document.citations] == [
        (
            "https://news.example/2023/05/06/a-long-slug-wrapped-by-the-dumping-tool-a123",
            Role.ORIGINAL,
            (4,),
        ),
        ("https://related.example/a-long-related-url-that-was/wrapped-too", Role.RELATED, (7,)),
        ("https://related.example/next", Role.RELATED, (9,)),
    ]
    assert document.cited_at == date(2023, 5, 6)


@pytest.mark.parametrize(
    "next_line",
    [
        "Related links:",  # a label, not the rest of the URL
        "more words here",  # prose
        "https://related.example/x",  # a URL of its own
    ],
)
def test_lines_that_cannot_continue_a_url_are_not_joined(next_line: str) -> None:
    document = article(f"Original url:\nhttps://news.example/story\n{next_line}\n")
    assert document.citations[0].url == "https://news.example/story"


@pytest.mark.parametrize(
    "own_line",
    [
        "t.me/moscowtimes",  # a host and path after a URL that has a path
        "mailto:editor@example.com",
        "editor@example.com",
        "ftp://files.example.org/report.pdf",
    ],
)
def test_a_link_of_its_own_after_a_listed_url_is_not_glued_to_it(own_line: str) -> None:
    document = article(f"Original url:\nhttps://news.example/2024/01/02/a\n\n{TASS}\n{own_line}\n")
    assert [c.url for c in document.citations] == ["https://news.example/2024/01/02/a", TASS]


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        # Wrapped inside the host name: the piece looks like a host and path.
        (
            "https://www.themoscowt",
            "imes.com/2025/06/10/x",
            "https://www.themoscowtimes.com/2025/06/10/x",
        ),
        # An archived address wrapped inside the host of the address it holds.
        (
            "https://web.archive.org/web/20250610123456/https://www.themo",
            "scowtimes.com/2025/06/10/x",
            "https://web.archive.org/web/20250610123456/https://www.themoscowtimes.com/2025/06/10/x",
        ),
        # Wrapped inside the "https" of an archived address: "tps://" is no scheme.
        (
            "https://web.archive.org/web/20250610123456/ht",
            "tps://www.example.com/2025/06/10/x",
            "https://web.archive.org/web/20250610123456/https://www.example.com/2025/06/10/x",
        ),
    ],
)
def test_a_wrap_that_looks_like_a_link_of_its_own_is_still_joined(
    first: str, second: str, joined: str
) -> None:
    document = article(f"Original url:\n{first}\n{second}\n")
    assert [c.url for c in document.citations] == [joined]


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("page?", "id=5", "page?id=5"),
        ("report.", "pdf", "report.pdf"),
        ("a,", "b,c", "a,b,c"),
        ("wiki/Foo_(", "bar)", "wiki/Foo_(bar)"),
        ("story.", "foo.", "story.foo"),  # the joined URL is trimmed again
        ("long-", "slug", "long-slug"),
    ],
)
def test_a_url_wrapped_after_trimmed_punctuation_is_joined(
    first: str, second: str, joined: str
) -> None:
    # Dumps wrap at a width, wherever the URL happens to be: the break can fall
    # right after a character that would be trimmed at the end of a URL.
    document = article(
        f"Original url:\nhttps://news.example/2024/01/02/{first}\n{second}\n\n"
        "https://related.example/a\n"
    )
    assert [(c.url, c.lines) for c in document.citations] == [
        (f"https://news.example/2024/01/02/{joined}", (2,)),
        ("https://related.example/a", (5,)),
    ]


def test_a_url_ended_by_an_unmatched_bracket_is_not_joined() -> None:
    # ")" closes nothing in the URL, so the URL ended on its own line.
    document = article("Original url:\nhttps://news.example/story)\nfoo\n")
    assert [c.url for c in document.citations] == ["https://news.example/story"]


def test_body_urls_are_inline_and_dated_by_the_original() -> None:
    document = article(
        "See https://body.example/page (and www.example.org).\n"
        "Original url:\n"
        "https://news.example/2021/12/31/x\n"
        "\n"
        "https://body.example/page\n"
    )
    assert [(c.url, c.role, c.lines, c.cited_at) for c in document.citations] == [
        ("https://body.example/page", Role.RELATED, (1, 5), date(2021, 12, 31)),
        ("http://www.example.org/", Role.INLINE, (1,), date(2021, 12, 31)),
        ("https://news.example/2021/12/31/x", Role.ORIGINAL, (3,), date(2021, 12, 31)),
    ]


def test_last_of_several_original_url_blocks_is_the_documents_own() -> None:
    document = article(
        "Original url:\n"
        "https://first.example/2020/01/01/old\n"
        "\n"
        "Second article.\n"
        "Original url:\n"
        "https://second.example/2022/02/02/new\n"
        "https://second.example/related\n"
    )
    assert [(c.url, c.role) for c in document.citations] == [
        ("https://first.example/2020/01/01/old", Role.INLINE),
        ("https://second.example/2022/02/02/new", Role.ORIGINAL),
        ("https://second.example/related", Role.RELATED),
    ]
    assert document.own_url == "https://second.example/2022/02/02/new"
    assert document.cited_at == date(2022, 2, 2)


def test_original_without_date_leaves_cited_at_unknown() -> None:
    document = article("Original url:\nhttps://tass.ru/politika/24190039\n")
    assert document.cited_at is None
    assert document.citations[0].cited_at is None


@pytest.mark.parametrize(
    ("related_line", "url", "title"),
    [
        (  # straight quotes, id suffix on the slug
            "Related article: 'Why Redirects Matter' looks at moved pages.",
            "https://news.example/2022/05/30/why-redirects-matter-a555",
            "Why Redirects Matter",
        ),
        (  # curly double quotes, extension on the slug, apostrophe in the title
            "Related article: “Russia’s Airlines Wait” and more",
            "https://news.example/russias-airlines-wait.html",
            "Russia’s Airlines Wait",
        ),
        (  # no quotes at all, the whole paragraph is the title
            "Related article: Markets Rally After Talks",
            "https://news.example/markets-rally-after-talks",
            "Markets Rally After Talks",
        ),
        (  # a slug the site truncated
            "Related article: ‘Archivists Race to Save Pages Before They Vanish Forever’",
            "https://news.example/archivists-race-to-save-pages",
            "Archivists Race to Save Pages Before They Vanish Forever",
        ),
    ],
)
def test_related_article_titles_match_slugs(related_line: str, url: str, title: str) -> None:
    document = article(
        f"Body.\n\n{related_line}\n\nMore body.\n\n"
        "Original url:\nhttps://news.example/own\n\n"
        f"https://other.example/unrelated-thing\n{url}\n"
    )
    assert by_url(document)[url].title == title
    assert by_url(document)["https://other.example/unrelated-thing"].title is None


def test_no_marker_is_not_an_article_and_forced_reading_finds_inline_urls() -> None:
    text = "Original url:\nnothing here\nhttps://a.example/\n"
    assert detect_format(text, "x.txt") is DocumentFormat.TEXT
    document = article(text)
    assert [(c.url, c.role) for c in document.citations] == [("https://a.example/", Role.INLINE)]


def test_malformed_original_is_kept_so_the_checker_can_report_it() -> None:
    document = article("Original url:\nhttps://news.example:99999/2024/01/02/x\n")
    [citation] = document.citations
    assert citation.url == "https://news.example:99999/2024/01/02/x"
    assert citation.role is Role.ORIGINAL
    assert document.cited_at == date(2024, 1, 2)


def test_urls_sharing_the_marker_line_and_indented_listed_urls() -> None:
    document = article(
        "Body.\n"
        "Original url:  https://news.example/2024/03/04/own https://related.example/same-line\n"
        "   https://related.example/indented\n"
        "\t-continued\n"
        "  https://related.example/own-line  https://related.example/second\n"
    )
    assert [(c.url, c.url_as_written, c.role, c.lines) for c in document.citations] == [
        (
            "https://news.example/2024/03/04/own",
            "https://news.example/2024/03/04/own",
            Role.ORIGINAL,
            (2,),
        ),
        (
            "https://related.example/same-line",
            "https://related.example/same-line",
            Role.RELATED,
            (2,),
        ),
        (
            "https://related.example/indented-continued",
            "https://related.example/indented-continued",
            Role.RELATED,
            (3,),
        ),
        (
            "https://related.example/own-line",
            "https://related.example/own-line",
            Role.RELATED,
            (5,),
        ),
        ("https://related.example/second", "https://related.example/second", Role.RELATED, (5,)),
    ]


def test_indented_url_after_the_marker_is_the_original() -> None:
    document = article(
        "Original url:\n\n    www.news.example/2024/03/04/own\n  www.related.example/a\n"
    )
    assert [(c.url, c.url_as_written, c.role, c.lines) for c in document.citations] == [
        (
            "http://www.news.example/2024/03/04/own",
            "www.news.example/2024/03/04/own",
            Role.ORIGINAL,
            (3,),
        ),
        ("http://www.related.example/a", "www.related.example/a", Role.RELATED, (4,)),
    ]
    assert document.cited_at == date(2024, 3, 4)


def test_a_wrapped_piece_that_holds_a_url_later_on_is_still_joined() -> None:
    # Only a line that *starts* a URL ends the wrapped one above it.
    document = article("Original url:\nhttps://news.example/a-long\n-slug(https://x.example/)\n")
    assert [c.url for c in document.citations] == [
        "https://news.example/a-long-slug(https://x.example/)"
    ]
