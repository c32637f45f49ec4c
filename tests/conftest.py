"""Fixtures shared across the suite: the local test web served from a background thread.

Component tests run the test web on their own event loop (see tests/check/conftest.py).
End-to-end tests of the command line need it on another thread instead, because the
CLI runs its own event loop (``asyncio.run``), in-process or in a subprocess.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import settings

from tests.web import TestWeb

# CI must never be flaky: there the property tests run the same examples every time
# (derandomized); on a developer's machine they keep exploring new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

T = TypeVar("T")


class BackgroundLoop:
    """An event loop on a daemon thread, for servers the CLI under test talks to."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the background loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def __enter__(self) -> BackgroundLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # Handlers a test left waiting (a hanging page) end here, not as "Task was
        # destroyed but it is pending!" warnings when the closed loop is collected.
        self.run(_cancel_other_tasks())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


async def _cancel_other_tasks() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
def background() -> Iterator[BackgroundLoop]:
    with BackgroundLoop() as loop:
        yield loop


@pytest.fixture
async def web() -> AsyncIterator[TestWeb]:
    """The test web on 127.0.0.1 alone, on the test's own event loop, for in-process runs
    of the library (tests/check replaces it with one that also serves TLS)."""
    server = TestWeb(hosts=("127.0.0.1",))
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def live_web(background: BackgroundLoop) -> Iterator[TestWeb]:
    web = TestWeb(hosts=("127.0.0.1", "127.0.0.2", "127.0.0.3"))
    background.run(web.start())
    yield web
    background.run(web.close())


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with no configuration file above it that we did not put there."""
    monkeypatch.chdir(tmp_path)
    for name in ("LINKCHECK_DB", "LINKCHECK_WAYBACK_URL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "linkcheck.toml").write_text("", encoding="utf-8")  # stops the upward search
    return tmp_path
