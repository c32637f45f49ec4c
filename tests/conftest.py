"""Fixtures shared across the suite: the local test web served from a background thread.

Component tests run the test web on their own event loop (see tests/check/conftest.py).
End-to-end tests of the command line need it on another thread instead, because the
CLI runs its own event loop (``asyncio.run``), in-process or in a subprocess.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web import TestWeb


class ThreadedWeb:
    """A :class:`TestWeb` running on its own event loop in a daemon thread."""

    def __init__(self, hosts: tuple[str, ...] = ("127.0.0.1", "127.0.0.2", "127.0.0.3")) -> None:
        self.web = TestWeb(hosts=hosts)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> TestWeb:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.web.start(), self._loop).result(timeout=10)
        return self.web

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.web.close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture
def live_web() -> Iterator[TestWeb]:
    with ThreadedWeb() as web:
        yield web


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with no configuration file above it that we did not put there."""
    monkeypatch.chdir(tmp_path)
    for name in ("LINKCHECK_DB", "LINKCHECK_WAYBACK_URL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "linkcheck.toml").write_text("", encoding="utf-8")  # stops the upward search
    return tmp_path
