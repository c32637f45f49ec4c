"""Bare URLs in CJK text and next to invisible characters: where a URL starts and ends."""

from __future__ import annotations

import pytest

from linkcheck.urls import find_urls, normalize_url


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        # No space between words: a URL may start right after an ideograph…
        ("参见https://example.com/report。", ["https://example.com/report"]),
        # …and full-width punctuation ends it, with the sentence after.
        ("见 https://example.com/data，以及其他来源。", ["https://example.com/data"]),
        ("（见https://example.com/a）", ["https://example.com/a"]),
        # CJK in the address itself is kept whole, brackets balanced as ASCII ones.
        (
            "https://zh.wikipedia.org/wiki/2008年夏季奥林匹克运动会",
            ["https://zh.wikipedia.org/wiki/2008年夏季奥林匹克运动会"],
        ),
        (
            "https://zh.wikipedia.org/wiki/Category:北京",
            ["https://zh.wikipedia.org/wiki/Category:北京"],
        ),
        (
            "https://zh.wikipedia.org/wiki/Python（编程语言）",
            ["https://zh.wikipedia.org/wiki/Python（编程语言）"],
        ),
        # A zero-width space or word joiner is a break point, not part of the URL…
        ("https://tass.ru/politika/24190039\u200b", ["https://tass.ru/politika/24190039"]),
        ("https://example.com/a\u2060b", ["https://example.com/a"]),
        # …while a zero-width non-joiner belongs to a Persian word.
        (
            "https://fa.wikipedia.org/wiki/می\u200cرود",
            ["https://fa.wikipedia.org/wiki/می\u200cرود"],
        ),
    ],
)
def test_where_a_bare_url_starts_and_ends(text: str, urls: list[str]) -> None:
    assert [match.url for match in find_urls(text)] == urls


def test_a_soft_hyphen_is_no_part_of_the_address() -> None:
    assert (
        normalize_url("https://example.com/world-\u00ad12345") == "https://example.com/world-12345"
    )
    assert normalize_url("https://example.com/a%C2%ADb") == "https://example.com/a%C2%ADb"
