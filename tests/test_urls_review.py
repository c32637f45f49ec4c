"""URLs as a black-box review found them: CJK text, invisible characters, future dates."""

from __future__ import annotations

from datetime import date

import pytest

from linkcheck.urls import date_in_url, find_urls, normalize_url


def urls_in(text: str) -> list[str]:
    return [match.url for match in find_urls(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Chinese and Japanese put no space around a URL: it starts right after a
        # CJK character and ends at full-width punctuation or CJK text after ASCII.
        ("参见https://example.com/report。", ["https://example.com/report"]),
        ("见 https://example.com/data，以及其他来源。", ["https://example.com/data"]),
        ("详见www.example.com/a以及", ["http://www.example.com/a"]),
        (
            "「https://example.com/q」と（https://example.com/p）",
            ["https://example.com/q", "https://example.com/p"],
        ),
        (
            "https://example.com/a、https://example.com/b；",
            ["https://example.com/a", "https://example.com/b"],
        ),
        ("기사https://example.com/news에서", ["https://example.com/news"]),
        # CJK text that makes up a path segment, a query value or the host is the URL's.
        (
            "见https://zh.wikipedia.org/wiki/北京2008年。",
            ["https://zh.wikipedia.org/wiki/北京2008年"],
        ),
        ("https://example.com/search?q=東京，", ["https://example.com/search?q=東京"]),
        ("https://例え.jp/パス", ["https://例え.jp/パス"]),
        # Other letters still join a URL's start to the word before it.
        ("éhttps://example.com/ xhttps://example.com/", []),
    ],
)
def test_urls_in_cjk_text(text: str, expected: list[str]) -> None:
    assert urls_in(text) == expected


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_end_a_url(invisible: str) -> None:
    text = f"see https://tass.ru/politika/24190039{invisible}\nand{invisible}https://b.example/x"
    assert urls_in(text) == ["https://tass.ru/politika/24190039", "https://b.example/x"]


def test_a_soft_hyphen_is_not_part_of_the_normalized_url() -> None:
    written = "https://www.bbc.com/news/world-\u00ad12345"
    [match] = find_urls(f"{written}\n")
    assert match.url == written  # as written, with the hint
    assert normalize_url(match.url) == "https://www.bbc.com/news/world-12345"
    # An escaped soft hyphen was written on purpose.
    assert normalize_url("https://a.example/x%C2%ADy") == "https://a.example/x%C2%ADy"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/2099/06/10/new-talks", None),
        ("https://example.com/2025/06/11/new-talks", None),
        ("https://example.com/2025/06/10/new-talks", date(2025, 6, 10)),
        ("https://example.com/2024/01/02/x", date(2024, 1, 2)),
        ("https://example.com/2099/01/01/x/2024/01/02", date(2024, 1, 2)),
    ],
)
def test_dates_after_the_latest_possible_are_not_dates(url: str, expected: date | None) -> None:
    assert date_in_url(url, latest=date(2025, 6, 10)) == expected


def test_without_a_latest_date_any_plausible_date_counts() -> None:
    assert date_in_url("https://example.com/2099/06/10/x") == date(2099, 6, 10)
