"""Fixtures for the extraction tests: the copied sample and small helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """Fixture files (a copy of the shared sample among them); tests never read ../shared."""
    return DATA


@pytest.fixture
def sample_path(data_dir: Path) -> Path:
    return data_dir / "000_857d68463131b6a4.txt"
