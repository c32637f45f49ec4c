"""Fixtures for the report tests: the sample rows and golden-file comparison.

Golden files live in ``tests/report/golden/``.  Tests compare against them;
``UPDATE_GOLDEN=1 pytest tests/report`` rewrites them after a deliberate
change (review the diff before committing).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from linkcheck.report import ReportData
from tests.report.sample import sample_data

GOLDEN_DIR = Path(__file__).parent / "golden"

Golden = Callable[[str, str], None]


@pytest.fixture
def data() -> ReportData:
    return sample_data()


@pytest.fixture
def golden() -> Golden:
    def compare(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.write_bytes(actual.encode("utf-8"))
            return
        assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to create it"
        # Bytes, not text: CSV's CRLF line ends are part of what is compared.
        assert actual == path.read_bytes().decode("utf-8")

    return compare


@pytest.fixture(scope="session")
def chromium() -> str:
    """The headless browser, or a skip locally; in CI (``CI`` set) a missing browser fails."""
    from tests.report.browser import find_chromium

    binary = find_chromium()
    if binary is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: the HTML report must be tested in a real browser in CI")
        pytest.skip(message)
    return binary
