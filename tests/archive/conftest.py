"""Fixtures for the archive tests: a fake clock and the fake archive on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from linkcheck.archive.options import ArchiveOptions
from linkcheck.archive.wayback import Wayback
from linkcheck.types import Event
from tests.wayback import ACCESS_KEY, SECRET_KEY, FakeArchive, FakeClock, looks_not_found


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def archive(clock: FakeClock) -> AsyncIterator[FakeArchive]:
    async with FakeArchive(clock=clock) as fake:
        yield fake


@pytest.fixture
def events() -> list[Event]:
    return []


WaybackFactory = Callable[..., Wayback]


@pytest.fixture
def make_wayback(archive: FakeArchive, clock: FakeClock, events: list[Event]) -> WaybackFactory:
    """A Wayback pointed at the fake archive, on the fake clock; options may be overridden."""

    def build(
        *,
        is_not_found: Callable[[str], bool] | None = looks_not_found,
        saves_already_taken_up: int = 0,
        **overrides: object,
    ) -> Wayback:
        settings: dict[str, object] = {
            "base_url": archive.base_url,
            "call_timeout": 2.0,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "save_poll_interval": 5.0,
        }
        settings.update(overrides)
        return Wayback(
            ArchiveOptions(**settings),  # type: ignore[arg-type]
            is_not_found=is_not_found,
            on_event=events.append,
            clock=clock,
            sleep=clock.sleep,
            saves_already_taken_up=saves_already_taken_up,
        )

    return build
