"""URL normalization, judging, dates and bare-URL finding (pure, table-driven)."""

from __future__ import annotations

import itertools
from datetime import date
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck import urls
from linkcheck.urls import (
    InvalidURL,
    checkable,
    date_in_url,
    find_urls,
    host_key,
    normalize_url,
    split_fragment,
    url_path,
)

# --------------------------------------------------------------------------- normalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com?q=1", "https://example.com/?q=1"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com:/a", "https://example.com/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/../a", "https://example.com/a"),
        ("https://example.com/a/%2E%2E/b", "https://example.com/b"),
        ("https://example.com/%7euser/%41", "https://example.com/~user/A"),
        ("https://example.com/a%2fb%3f", "https://example.com/a%2Fb%3F"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ("https://de.wikipedia.org/wiki/Straße", "https://de.wikipedia.org/wiki/Stra%C3%9Fe"),
        ("https://Bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://例え.テスト/パス", "https://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9"),
        ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"),
        ("https://www.example.com/dir/", "https://www.example.com/dir/"),
        ("https://example.com/search?b=2&a=1&a=0", "https://example.com/search?b=2&a=1&a=0"),
        ("https://example.com/?q=a b&r=ü", "https://example.com/?q=a%20b&r=%C3%BC"),
        ("https://example.com/?next=/a?b", "https://example.com/?next=/a?b"),
        (
            "https://en.wikipedia.org/wiki/Python_(programming_language)",
            "https://en.wikipedia.org/wiki/Python_(programming_language)",
        ),
        ("http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
        ("http://user:pw@Example.com/", "http://user:pw@example.com/"),
        ("  https://example.com/  ", "https://example.com/"),
        ("https://my_host.example.com/", "https://my_host.example.com/"),
        # Next to the form that is already normal: each differs from it in one way.
        ("http://127.0.1.2:8080/a/11", "http://127.0.1.2:8080/a/11"),
        ("http://127.0.1.2:08080/a", "http://127.0.1.2:8080/a"),
        ("http://example.com:0/a", "http://example.com:0/a"),
        ("http://example.com:65535/a", "http://example.com:65535/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com./a", "http://example.com./a"),
        ("http://Example.com/a", "http://example.com/a"),
        ("http://example.com/a?", "http://example.com/a"),
        ("http://example.com/a?q=1?&r=/s:@", "http://example.com/a?q=1?&r=/s:@"),
        ("http://example.com/.well-known/x", "http://example.com/.well-known/x"),
        ("http://example.com/a/.", "http://example.com/a/"),
        ("http://example.com/a/..", "http://example.com/"),
        ("http://example.com/a/.b/c..", "http://example.com/a/.b/c.."),
        ("http://example.com/a%2F", "http://example.com/a%2F"),
        ("http://example.com/a%2f", "http://example.com/a%2F"),
        ("http://example.com/a|b", "http://example.com/a%7Cb"),
        ("http://user@example.com/a", "http://user@example.com/a"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected
    assert normalize_url(expected) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("ftp://example.com/", "unsupported scheme"),
        ("mailto:someone@example.com", "unsupported scheme"),
        ("/relative/path", "unsupported scheme"),
        ("https://example.com:99999/", "bad port"),
        ("https://example.com:65536/", "bad port"),
        ("https://example.com:8o/", "bad port"),
        ("https:///path", "no host"),
        ("https://exa mple.com/", "forbidden character"),
        ("https://a..b/", "empty label"),
        ("https://[::1/", "malformed URL"),
        ("https://[not-ipv6]/", "malformed URL"),
        ("https://[v1.future]/", "bad IPv6"),
        ("https://☃-.example/", "bad international host name"),
    ],
)
def test_normalize_url_rejects(url: str, complaint: str) -> None:
    with pytest.raises(InvalidURL, match=complaint):
        normalize_url(url)


def assert_taken_as_normal_only_if_it_is(url: str) -> None:
    # normalize_url, checkable and url_path skip their work for URLs already in
    # normal form (url_path: of its shape): doing it must give the same answers.
    if urls._already_normal(url):
        assert urls._normalize(url) == url
        assert urls._why_not_checkable(url) is None
    assert url_path(url) == urlsplit(url).path


@settings(max_examples=200, deadline=None)
@given(url=st.from_regex(urls._NORMAL_URL, fullmatch=True))
def test_urls_of_the_normal_shape_are_left_as_the_full_work_would_leave_them(url: str) -> None:
    assert_taken_as_normal_only_if_it_is(url)


def test_urls_near_the_normal_form_are_left_as_the_full_work_would_leave_them() -> None:
    # Every combination of what the normal form rules out: dot segments,
    # default, zero-led and large ports, empty queries, upper case, escapes.
    parts = itertools.product(
        ["http", "https", "HTTP"],
        ["example.com", "a.b.", "127.0.1.2", "Example.com", "x_y-z"],
        ["", ":", ":0", ":80", ":443", ":8080", ":08080", ":65535", ":65536"],
        ["", "/", "/a", "/.", "/..", "/a/./b", "/a/../b", "/.b", "/c..", "/%41", "/~@:", "/|"],
        ["", "?", "?q=1", "?a=/b?c", "?x y", "#f"],
    )
    for scheme, host, port, path, query in parts:
        assert_taken_as_normal_only_if_it_is(f"{scheme}://{host}{port}{path}{query}")


def test_split_fragment() -> None:
    assert split_fragment("https://a.example/p#s") == ("https://a.example/p", "s")
    assert split_fragment("https://a.example/p#") == ("https://a.example/p", "")
    assert split_fragment("https://a.example/p") == ("https://a.example/p", None)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.Example.com:8443/a", "www.example.com"),
        ("https://Bücher.example/x", "xn--bcher-kva.example"),
        ("https://example.com:99999/", "example.com"),  # invalid port, host still known
    ],
)
def test_host_key(url: str, host: str) -> None:
    assert host_key(url) == host


def test_host_key_without_host() -> None:
    with pytest.raises(InvalidURL):
        host_key("mailto:x@example.com")


# --------------------------------------------------------------------------- checkable


@pytest.mark.parametrize(
    ("url", "reason_part"),
    [
        ("https://example.com/", None),
        ("HTTP://example.com", None),
        ("https://example.com:99999/", None),  # checked, and reported invalid by the checker
        ("http://127.0.1.2:8080/a/11", None),
        ("http://example.com/a?q=1", None),
        ("mailto:editor@example.org", "mailto:"),
        ("javascript:void(0)", "javascript:"),
        ("tel:+15551234", "tel:"),
        ("ftp://ftp.example.org/file", "ftp:"),
        ("docs/page.html", "relative link"),
        ("#top", "same document"),
        ("//cdn.example.com/x.js", "scheme-relative"),
        ("", "empty"),
        ("https:///nohost", "no host"),
        ("http://[::1", "malformed"),
    ],
)
def test_checkable(url: str, reason_part: str | None) -> None:
    reason = checkable(url)
    if reason_part is None:
        assert reason is None
    else:
        assert reason is not None and reason_part in reason


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.themoscowtimes.com/2025/06/10/new-talks-a89401", date(2025, 6, 10)),
        ("https://example.com/2025/6/1/slug", date(2025, 6, 1)),
        ("https://example.com/blog/2024/02/29", date(2024, 2, 29)),
        ("https://example.com/news/2023-11-05-some-title", date(2023, 11, 5)),
        ("https://example.com/2023-11-05/", date(2023, 11, 5)),
        ("https://example.com/archive/20250610/item", date(2025, 6, 10)),
        ("https://example.com/2025/06/", None),  # no day
        ("https://example.com/2023/02/29/x", None),  # no such day
        ("https://tass.ru/politika/24190039", None),  # an id, not a date
        ("https://example.com/item/12345678", None),
        ("https://example.com/1850/01/01/old", None),  # implausible year
        ("https://example.com/x?date=2025/06/10/", None),  # query, not path
        ("https://example.com/v2025/06/10", None),
    ],
)
def test_date_in_url(url: str, expected: date | None) -> None:
    assert date_in_url(url) == expected


# --------------------------------------------------------------------------- find_urls


def urls_in(text: str) -> list[str]:
    return [match.url for match in find_urls(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See https://example.com/a.", ["https://example.com/a"]),
        (
            "Sites: https://a.example, https://b.example; done",
            ["https://a.example", "https://b.example"],
        ),
        ("Really? https://example.com/q?x=1!", ["https://example.com/q?x=1"]),
        ("(see https://example.com/a)", ["https://example.com/a"]),
        ("(see https://example.com/a).", ["https://example.com/a"]),
        (
            "https://en.wikipedia.org/wiki/Python_(programming_language)",
            ["https://en.wikipedia.org/wiki/Python_(programming_language)"],
        ),
        (
            "(https://en.wikipedia.org/wiki/Python_(programming_language))",
            ["https://en.wikipedia.org/wiki/Python_(programming_language)"],
        ),
        ("[https://example.com/x]", ["https://example.com/x"]),
        ('He said "https://example.com/quoted" twice', ["https://example.com/quoted"]),
        ("“https://example.com/curly”", ["https://example.com/curly"]),
        ("‘https://example.com/single’", ["https://example.com/single"]),
        ("'https://example.com/straight'", ["https://example.com/straight"]),
        ("<https://example.com/angle>", ["https://example.com/angle"]),
        ("**https://example.com/bold**", ["https://example.com/bold"]),
        ("Go to www.example.com/path.", ["http://www.example.com/path"]),
        ("HTTPS://EXAMPLE.COM/", ["HTTPS://EXAMPLE.COM/"]),
        (
            "a https://example.com/x?u=https://other.example/ b",
            ["https://example.com/x?u=https://other.example/"],
        ),
        (
            "https://example.com/a\nhttps://example.com/b",
            ["https://example.com/a", "https://example.com/b"],
        ),
        ("https://Bücher.example/straße", ["https://Bücher.example/straße"]),
        ("IPv6: http://[::1]:8080/x.", ["http://[::1]:8080/x"]),
        ("Ends sentence: https://example.com/。", ["https://example.com/"]),
        # Not URLs: no host, inside a word or an e-mail address.
        ("https:// and http:///path", []),
        ("xhttps://example.com", []),
        ("mail me: me@www.example.com", []),
        ("swww.example.com", []),
        ("", []),
    ],
)
def test_find_urls(text: str, expected: list[str]) -> None:
    assert urls_in(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # What may stand before a URL's start: not a word character, "@", ".", "-", "/", "+",
        # or a run of "_" opening emphasis, which itself stands where a URL could begin.
        ("WWW.Example.com/a", ["http://WWW.Example.com/a"]),
        ("(www.example.com)", ["http://www.example.com"]),
        ("–www.example.com", ["http://www.example.com"]),
        ("x:https://example.com/", ["https://example.com/"]),
        ("a.https://example.com/ +http://example.com/", []),
        ("_www.example.com_", ["http://www.example.com"]),
        ("(__https://example.com/a__)", ["https://example.com/a"]),
        ("snake_www.example.com a__https://example.com/ ._https://example.com/", []),
        ("-www.example.com /https://example.com/ éhttps://example.com/", []),
        ("whttps://example.com/ hwww.example.com", []),
        ("wwww.example.com", []),
        ("www._example.com www.", []),
        ("https://example.com/ahttps://b.example/", ["https://example.com/ahttps://b.example/"]),
        ("HtTpS://example.com/", ["HtTpS://example.com/"]),
        ("httpſ://example.com/", ["httpſ://example.com/"]),  # ſ matches s, ignoring case
    ],
)
def test_find_urls_start_only_where_a_url_can_begin(text: str, expected: list[str]) -> None:
    assert urls_in(text) == expected


def test_find_urls_positions_point_at_written_text() -> None:
    text = "Visit www.example.com/a, then (https://b.example/c)."
    matches = list(find_urls(text))
    assert [text[m.start : m.end] for m in matches] == ["www.example.com/a", "https://b.example/c"]
