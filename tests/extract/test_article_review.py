"""Article dumps as a black-box review found them: joins, odd originals, footers, dates."""

from __future__ import annotations

from datetime import date

import pytest

from linkcheck.extract import extract_text
from linkcheck.extract.article import read_article
from linkcheck.types import Document, DocumentFormat, Role

OWN = "https://www.example.com/2025/06/10/new-talks"
TASS = "https://tass.ru/politika/24190039"


def article(text: str) -> Document:
    return extract_text(text, "dump.txt", DocumentFormat.ARTICLE)


def listed(document: Document) -> list[tuple[str, Role, tuple[int, ...]]]:
    return [(c.url, c.role, c.lines) for c in document.citations]


@pytest.mark.parametrize(
    "next_line",
    [
        "t.me/moscowtimes",  # a host without a scheme
        "example.com/x",
        "mailto:editor@example.com",  # another scheme
        "ftp://ftp.example.org/pub/report.pdf",
        "tel:+15551234567",
        "editor@example.com",  # an e-mail address
        "Photo",  # a word after a URL that looks complete
        "12345",
    ],
)
@pytest.mark.parametrize("url", [OWN, TASS])
def test_a_line_after_a_complete_url_is_not_glued_onto_it(url: str, next_line: str) -> None:
    document = article(f"Article text.\n\nOriginal url:\n{OWN}\n\n{url}\n{next_line}\n")
    assert url in [c.url for c in document.citations]
    assert all(next_line not in c.url for c in document.citations)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("new-", "talks"),  # after characters a URL does not end with
        ("new-talks?", "id=5"),
        ("new-talks?id=", "5"),
        ("new-talks?a=1&", "b=2"),
        ("new_", "talks"),
        ("new%E2%80%9", "9talks"),  # half a percent escape
        ("new", "-talks"),  # before characters a line of its own does not start with
        ("new", "/talks"),
        ("new-talks", "?id=5"),
        ("new-talks?a=1", "&b=2"),
        ("w/index.php?title=", "Category:Foo"),  # not another scheme
    ],
)
def test_wraps_that_leave_evidence_are_still_joined(first: str, second: str) -> None:
    document = article(
        f"Original url:\nhttps://news.example/2024/01/02/{first}\n{second}\n\n{TASS}\n"
    )
    assert listed(document) == [
        (f"https://news.example/2024/01/02/{first}{second}", Role.ORIGINAL, (2,)),
        (TASS, Role.RELATED, (5,)),
    ]


WRAPPED_BODY = "\n".join(
    [
        "Officials from the two countries met for talks again on",  # 56 characters
        "Tuesday in the Turkish city of Istanbul, the ministry said,",  # 59
        "and the next round of talks will take place in Moscow soon",  # 58
        "after the summer, the deputy foreign minister told reporters.",  # 61 = the width
    ]
)


def test_a_url_broken_inside_a_word_at_the_bodys_width_is_joined() -> None:
    own = "https://news.example/2025/06/10/talks-resume-in-moscow-afterwards"
    first, second = own[:61], own[61:]  # broken inside "afterwards"
    document = article(f"{WRAPPED_BODY}\n\nOriginal url:\n{first}\n{second}\n\n{TASS}\n")
    assert [c.url for c in document.citations] == [own, TASS]


def test_a_word_after_a_short_url_in_a_wrapped_body_is_not_joined() -> None:
    document = article(f"{WRAPPED_BODY}\n\nOriginal url:\n{OWN}\nPhoto\n\n{TASS}\n")
    assert [c.url for c in document.citations] == [OWN, TASS]


def test_a_host_after_a_url_at_the_bodys_width_is_not_joined() -> None:
    related = "https://tass.ru/politika/2419003924190039241900392419003923"  # 61 wide
    document = article(f"{WRAPPED_BODY}\n\nOriginal url:\n{OWN}\n\n{related}\nt.me/moscowtimes\n")
    assert [c.url for c in document.citations] == [OWN, related]


@pytest.mark.parametrize(
    "written",
    [
        f"<{OWN}>",
        f"https://\n{OWN.removeprefix('https://')}",  # the scheme alone on its line
        f"https:\n{OWN.removeprefix('https:')}",
        f"<https://\n{OWN.removeprefix('https://')}>",
        f"https://\n{OWN.removeprefix('https://')[:20]}\n{OWN.removeprefix('https://')[20:]}",
    ],
)
def test_an_original_url_in_brackets_or_wrapped_after_its_scheme(written: str) -> None:
    document = article(f"Article text.\n\nOriginal url:\n{written}\n\n{TASS}\n")
    [original, related] = document.citations
    assert (original.url, original.role, original.lines) == (OWN, Role.ORIGINAL, (4,))
    assert original.url_as_written == OWN
    assert (related.url, related.role) == (TASS, Role.RELATED)
    assert document.own_url == OWN
    assert document.cited_at == date(2025, 6, 10)


def test_an_original_url_in_brackets_on_the_marker_line() -> None:
    document = article(f"Article text.\nOriginal url: <{OWN}>\n{TASS}\n")
    assert listed(document) == [(OWN, Role.ORIGINAL, (2,)), (TASS, Role.RELATED, (3,))]


def test_a_scheme_alone_with_nothing_after_it_is_no_marker() -> None:
    document = article("Original url:\nhttps://\n\nhttps://a.example/\n")
    assert listed(document) == [("https://a.example/", Role.INLINE, (4,))]


def test_a_url_in_a_sentence_after_the_related_list_is_inline() -> None:
    document = article(
        f"Article text.\n\nOriginal url:\n{OWN}\n\n{TASS}\n"
        "- https://www.bbc.com/news/1\n"
        "2. <https://www.bbc.com/news/2>\n"
        "\n"
        "Subscribe: read more at https://www.example.com/subscribe today.\n"
    )
    assert listed(document) == [
        (OWN, Role.ORIGINAL, (4,)),
        (TASS, Role.RELATED, (6,)),
        ("https://www.bbc.com/news/1", Role.RELATED, (7,)),
        ("https://www.bbc.com/news/2", Role.RELATED, (8,)),
        ("https://www.example.com/subscribe", Role.INLINE, (10,)),
    ]


def test_the_original_is_original_in_a_sentence_too() -> None:
    document = article(f"Original url: {OWN} (the source)\n{TASS}\n")
    assert listed(document) == [(OWN, Role.ORIGINAL, (1,)), (TASS, Role.RELATED, (2,))]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/2099/06/10/new-talks", None),  # after the day the dump is read
        ("/2025/06/12/new-talks", None),
        ("/2025/06/11/new-talks", date(2025, 6, 11)),  # a time zone ahead of the reader
        ("/2025/06/10/new-talks", date(2025, 6, 10)),
    ],
)
def test_a_date_after_the_day_of_reading_is_no_citation_date(
    path: str, expected: date | None
) -> None:
    text = f"Article text.\n\nOriginal url:\nhttps://www.example.com{path}\n\n{TASS}\n"
    assert read_article(text, today=date(2025, 6, 10)).cited_at == expected


def test_a_future_date_is_not_a_citation_date_by_the_clock() -> None:
    document = article(f"Original url:\nhttps://www.example.com/2099/06/10/new-talks\n{TASS}\n")
    assert document.cited_at is None
    assert {c.cited_at for c in document.citations} == {None}
