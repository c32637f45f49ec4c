import os

import pytest

from linkcheck.escapes import escape_surrogates, unescape_bytes


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("docs/a.md", "docs/a.md"),
        ("docs/café.md", "docs/café.md"),  # valid text is kept as it is
        (os.fsdecode(b"docs/caf\xe9.md"), "docs/caf\\xe9.md"),
        ("/caf\udce9/\udcff", "/caf\\xe9/\\xff"),
        ("a\ud800b", "a\\ud800b"),  # a lone surrogate that stands for no byte
        ("\udce9\ud800", "\\udce9\\ud800"),
    ],
)
def test_only_undecodable_bytes_are_escaped(raw: str, shown: str) -> None:
    assert escape_surrogates(raw) == shown
    assert escape_surrogates(raw).encode("utf-8")  # storable


def test_an_escaped_file_name_leads_back_to_the_file() -> None:
    name = os.fsdecode(b"docs/r\xe9sum\xe9.md")
    assert unescape_bytes(escape_surrogates(name)) == name
