"""Fixtures for the checking engine: the local test web, fake time, a checker factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver

from linkcheck.check.checker import Checker
from linkcheck.check.options import CheckOptions, RetryPolicy
from linkcheck.check.resolver import StaticResolver
from linkcheck.types import Event
from tests.web import Certificate, TestWeb, make_self_signed_certificate

#: Tiny timeouts keep the slow-server tests fast; retries wait on fake time.
FAST = CheckOptions(
    connect_timeout=0.5,
    read_timeout=0.5,
    total_timeout=0.5,
    retry=RetryPolicy(max_attempts=3, backoff_base=1.0, backoff_max=8.0, jitter=0.0),
)
#: Names the tests resolve: the canaries (so DNS failures are believed) and two fake sites.
TEST_NAMES = {"example.com": "127.0.0.1", "site-a.test": "127.0.0.2", "site-b.test": "127.0.0.3"}


class FakeTime:
    """A clock that only moves when someone sleeps: retries and pauses cost no real time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_self_signed_certificate(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
async def web(certificate: Certificate) -> AsyncIterator[TestWeb]:
    server = TestWeb(certificate=certificate)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def events() -> list[Event]:
    return []


MakeChecker = Callable[..., AbstractAsyncContextManager[Checker]]


@pytest.fixture
def make_checker(fake_time: FakeTime, events: list[Event]) -> MakeChecker:
    """``make_checker(resolver=..., **option_changes)``: a Checker on fake time over FAST."""

    def make(resolver: AbstractResolver | None = None, **changes: Any) -> Checker:
        return Checker(
            replace(FAST, **changes),
            on_event=events.append,
            resolver=resolver or StaticResolver(TEST_NAMES),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
        )

    return make
