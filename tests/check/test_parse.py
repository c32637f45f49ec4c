"""URLs handed to the checker are requested exactly as yarl reads them."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from yarl import URL

from linkcheck.check.checker import _parse

_PIECES = st.sampled_from(
    ["http://", "https://", "HTTP://", "h.example", "H.example", "127.0.1.7", ":8080", ":80",
     ":99999", ":0", "/", "/a", "/./", "/../", "/.", ".html", "%41", "%7e", "%2F", "%zz", "?",
     "?q=1&r=a+b", "#frag", "@", "user:pw@", "é", " ", "'()*", "~", "..", "[::1]", "-", "_"]
)  # fmt: skip


@settings(max_examples=300)
@given(st.lists(_PIECES, min_size=1, max_size=8).map("".join))
@example("http://h.example:99999/")
@example("http://h.example/./a/../b")
@example("http://h.example/a%7e")
@example("http://H.example/")
@example("http://[::1]@")  # yarl raises IndexError on this one
def test_parsing_matches_yarl_whatever_the_url(url: str) -> None:
    parsed = _parse(url)
    try:
        expected = URL(url)
    except (ValueError, UnicodeError, IndexError):
        assert isinstance(parsed, str)  # reported as malformed, never raised
        return
    if isinstance(parsed, URL):
        assert str(parsed) == str(expected.with_fragment(None))
        assert (parsed.host, parsed.port, parsed.raw_path_qs) == (
            expected.host,
            expected.port,
            expected.raw_path_qs,
        )


def test_a_normal_url_is_taken_as_it_is() -> None:
    url = "http://127.0.1.7:8080/a/b-c.html?q=1&r=a+b"
    assert str(_parse(url)) == url
