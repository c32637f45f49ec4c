import os

import pytest

from linkcheck.escapes import escape_surrogates


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("docs/a.md", "docs/a.md"),
        ("docs/café.md", "docs/café.md"),  # valid text is kept as it is
        (os.fsdecode(b"docs/caf\xe9.md"), "docs/caf\\xe9.md"),
        ("/caf\udce9/\udcff", "/caf\\xe9/\\xff"),
    ],
)
def test_only_undecodable_bytes_are_escaped(raw: str, shown: str) -> None:
    assert escape_surrogates(raw) == shown
    assert escape_surrogates(raw).encode("utf-8")  # storable
