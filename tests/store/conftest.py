"""Store test fixtures: real SQLite files in tmp_path, schema built as `Store.open` builds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from linkcheck.store import Store


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'linkcheck.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened
