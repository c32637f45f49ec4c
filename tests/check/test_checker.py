"""The Checker facade: a run over many links, politeness, events, DNS and the network."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from linkcheck.check.checker import Checker
from linkcheck.check.options import CheckOptions
from linkcheck.check.resolver import StaticResolver
from linkcheck.check.scheduler import HostLimits, Limits
from linkcheck.errors import ConfigError, NetworkUnreachable
from linkcheck.types import (
    CheckResult,
    ErrorKind,
    Event,
    LinkChecked,
    RetryScheduled,
    Verdict,
)
from tests.check.conftest import FAST, TEST_NAMES, FakeTime, MakeChecker
from tests.web import TestWeb


async def run_all(checker: Checker, urls: list[str]) -> dict[str, CheckResult]:
    return {result.url: result async for result in checker.check_all(urls)}


async def test_each_distinct_url_is_checked_once(web: TestWeb, make_checker: MakeChecker) -> None:
    urls = [web.url("/ok"), web.url("/status/404"), web.url("/ok"), web.url("/ok")]
    async with make_checker() as checker:
        results = await run_all(checker, urls)
    assert {url: r.verdict for url, r in results.items()} == {
        web.url("/ok"): Verdict.ALIVE,
        web.url("/status/404"): Verdict.DEAD,
    }
    assert web.requests_per_path["/ok"] == 1


async def test_urls_from_an_async_source_are_checked_once_each(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    """The pipeline feeds URLs while it still scans: repeats across batches are checked once."""

    async def batches() -> AsyncIterator[str]:
        for batch in ([web.url("/ok"), web.url("/status/404")], [web.url("/ok"), "ftp://x.test/"]):
            await asyncio.sleep(0.01)
            for url in batch:
                yield url

    async with make_checker() as checker:
        results = {result.url: result async for result in checker.check_all(batches())}
    assert {url: r.verdict for url, r in results.items()} == {
        web.url("/ok"): Verdict.ALIVE,
        web.url("/status/404"): Verdict.DEAD,
        "ftp://x.test/": Verdict.INVALID,
    }
    assert web.requests_per_path["/ok"] == 1


async def test_closing_the_results_closes_an_async_source(make_checker: MakeChecker) -> None:
    """Leaving the results early closes the URLs' source too, even one far ahead of the
    checks: the pipeline's scan stops with the run, not when the garbage is collected."""
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[str]:
        try:
            for n in itertools.count():
                yield f"ftp://x.test/{n}"  # judged invalid at once, no network
        finally:
            closed.set()

    async with make_checker() as checker:
        results = checker.check_all(endless())
        async with aclosing(results):
            assert [(await anext(results)).verdict for _ in range(3)] == [Verdict.INVALID] * 3
    assert closed.is_set()


async def test_every_result_is_reported_as_an_event(
    web: TestWeb, make_checker: MakeChecker, events: list[Event]
) -> None:
    urls = [web.url("/ok"), web.url("/flaky/1/e")]
    async with make_checker() as checker:
        results = await run_all(checker, urls)
    checked = [event.result for event in events if isinstance(event, LinkChecked)]
    assert sorted(checked, key=lambda r: r.url) == sorted(results.values(), key=lambda r: r.url)
    retries = [event for event in events if isinstance(event, RetryScheduled)]
    assert [(e.url, e.attempt, e.wait_seconds, e.reason) for e in retries] == [
        (web.url("/flaky/1/e"), 2, 1.0, "HTTP 503")
    ]


async def test_per_host_limit_is_never_exceeded(web: TestWeb, make_checker: MakeChecker) -> None:
    urls = [web.url(f"/slow/0.02?n={n}", host=host) for host in web.hosts for n in range(12)]
    limits = Limits(concurrency=5, per_host_concurrency=2)
    async with make_checker(limits=limits) as checker:
        results = await run_all(checker, urls)
    assert {r.verdict for r in results.values()} == {Verdict.ALIVE}
    assert len(results) == len(urls)
    for host in web.hosts:
        assert web.requests_per_host[host] == 12
        assert 1 <= web.max_in_flight[host] <= 2


async def test_per_host_override_applies(web: TestWeb, make_checker: MakeChecker) -> None:
    urls = [web.url(f"/slow/0.02?n={n}", host="127.0.0.2") for n in range(8)]
    limits = Limits(concurrency=8, per_host_concurrency=4, hosts={"127.0.0.2": HostLimits(1)})
    async with make_checker(limits=limits) as checker:
        await run_all(checker, urls)
    assert web.max_in_flight["127.0.0.2"] == 1


async def test_excluded_urls_are_skipped_without_a_request(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    async with make_checker(exclude=(r"/status/",)) as checker:
        results = await run_all(checker, [web.url("/status/404"), web.url("/ok")])
    skipped = results[web.url("/status/404")]
    assert (skipped.verdict, skipped.error_kind, skipped.attempts) == (
        Verdict.SKIPPED,
        ErrorKind.EXCLUDED,
        0,
    )
    assert web.requests_per_path["/status/404"] == 0
    assert results[web.url("/ok")].verdict is Verdict.ALIVE


def test_a_bad_exclude_pattern_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        Checker(CheckOptions(exclude=("(unclosed",)))


async def test_accepted_statuses_global_and_per_host(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    urls = [web.url("/status/403"), web.url("/status/404", host="127.0.0.2")]
    async with make_checker(
        accepted_statuses=frozenset({403}),
        host_accepted_statuses={"127.0.0.2": frozenset({404})},
    ) as checker:
        results = await run_all(checker, urls)
    assert {r.verdict for r in results.values()} == {Verdict.ALIVE}
    async with make_checker(accepted_statuses=frozenset({403})) as checker:
        other = await checker.check(web.url("/status/404"))
    assert other.verdict is Verdict.DEAD


async def test_retry_after_pauses_the_whole_host(
    web: TestWeb, make_checker: MakeChecker, fake_time: FakeTime, events: list[Event]
) -> None:
    paused_for: list[float] = []

    def watch(event: Event) -> None:
        if isinstance(event, RetryScheduled):
            paused_for.append(checker.scheduler.ready_at("127.0.0.1") - fake_time.now)

    checker = Checker(
        FAST,
        on_event=watch,
        resolver=StaticResolver(TEST_NAMES),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    async with checker:
        result = await checker.check(web.url("/limited-once/p"))
    assert (result.verdict, result.attempts) == (Verdict.ALIVE, 2)
    assert paused_for == [2.0]


# --------------------------------------------------------------------------- names and network


async def test_a_name_that_does_not_exist_is_dead(web: TestWeb, make_checker: MakeChecker) -> None:
    async with make_checker() as checker:
        result = await checker.check("http://no-such-site.test/page")
    assert (result.verdict, result.error_kind, result.attempts) == (Verdict.DEAD, ErrorKind.DNS, 1)


async def test_named_hosts_resolve_through_the_resolver(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    async with make_checker() as checker:
        result = await checker.check(web.named_url("/ok", "site-a.test", host="127.0.0.2"))
    assert result.verdict is Verdict.ALIVE
    assert web.requests_per_host["127.0.0.2"] == 1


async def test_a_redirect_to_a_name_that_does_not_exist_is_dead(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    async with make_checker() as checker:
        result = await checker.check(web.url("/redirect/302?to=http://gone.test/x"))
    assert (result.verdict, result.error_kind) == (Verdict.DEAD, ErrorKind.DNS)
    assert [hop.status_code for hop in result.hops] == [302]


class TemporaryDnsFailure(AbstractResolver):
    """A resolver whose DNS server does not answer (EAI_AGAIN) for one name."""

    def __init__(self, failing: str, inner: AbstractResolver) -> None:
        self._failing = failing
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host == self._failing:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return await self._inner.resolve(host, port, family)

    async def close(self) -> None:
        await self._inner.close()


async def test_a_temporary_dns_failure_is_an_error(make_checker: MakeChecker) -> None:
    resolver = TemporaryDnsFailure("flaky-dns.test", StaticResolver({"example.com": "127.0.0.1"}))
    async with make_checker(resolver=resolver) as checker:
        result = await checker.check("http://flaky-dns.test/")
    assert (result.verdict, result.error_kind) == (Verdict.ERROR, ErrorKind.DNS)


async def test_no_network_at_all_stops_the_run_and_records_nothing_as_dead(
    make_checker: MakeChecker, events: list[Event]
) -> None:
    urls = [f"http://site-{n}.test/page" for n in range(20)]
    async with make_checker(resolver=StaticResolver({})) as checker:
        with pytest.raises(NetworkUnreachable):
            await run_all(checker, urls)
    verdicts = [e.result.verdict for e in events if isinstance(e, LinkChecked)]
    assert Verdict.DEAD not in verdicts


async def test_losing_the_network_mid_run_does_not_kill_names(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    resolver = StaticResolver({"site-a.test": "127.0.0.2"})  # the canaries do not resolve
    async with make_checker(resolver=resolver) as checker:
        first = await checker.check(web.named_url("/ok", "site-a.test", host="127.0.0.2"))
        later = await checker.check("http://no-such-site.test/")
    assert first.verdict is Verdict.ALIVE
    assert (later.verdict, later.error_kind) == (Verdict.ERROR, ErrorKind.DNS)


# --------------------------------------------------------------------------- private targets


async def test_exclude_private_refuses_literal_private_addresses(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    async with make_checker(exclude_private=True) as checker:
        result = await checker.check(web.url("/ok"))
    assert (result.verdict, result.error_kind) == (Verdict.SKIPPED, ErrorKind.PRIVATE_ADDRESS)
    assert web.requests_per_path["/ok"] == 0


async def test_exclude_private_judges_the_resolved_address(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    url = web.named_url("/ok", "site-a.test", host="127.0.0.2")  # a name for 127.0.0.2
    async with make_checker(exclude_private=True) as checker:
        result = await checker.check(url)
    assert (result.verdict, result.error_kind) == (Verdict.SKIPPED, ErrorKind.PRIVATE_ADDRESS)
    assert web.requests_per_host["127.0.0.2"] == 0


async def test_invalid_urls_come_out_of_a_run(make_checker: MakeChecker) -> None:
    async with make_checker() as checker:
        results = await run_all(checker, ["notaurl", "javascript:void(0)"])
    assert {r.verdict for r in results.values()} == {Verdict.INVALID}


# --------------------------------------------------------------------------- hosts that are down


async def test_a_host_that_keeps_resetting_is_given_up_on_for_the_run(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    """Three links in a row on 127.0.0.3 reset the connection (after their retries): its
    seven other links are reported as the same error without a request; other hosts go on."""
    down = [web.url(f"/reset?n={n}", host="127.0.0.3") for n in range(10)]
    fine = [web.url(f"/page/{n}") for n in range(3)]
    limits = Limits(per_host_concurrency=1)  # one at a time: the order is the input's
    async with make_checker(host_down_after=3, limits=limits) as checker:
        results = await run_all(checker, down + fine)
    assert sum(results[url].attempts for url in down) == 3 * 3  # three links, three attempts
    assert {results[url].verdict for url in down} == {Verdict.ERROR}
    assert {results[url].error_kind for url in down} == {ErrorKind.RESET}
    unasked = [results[url] for url in down if results[url].attempts == 0]
    assert len(unasked) == 7
    assert all("treated as down" in (r.error or "") for r in unasked)
    assert {results[url].verdict for url in fine} == {Verdict.ALIVE}


async def test_an_answer_from_the_host_starts_the_count_again(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    urls = [
        web.url("/reset?n=1"),
        web.url("/reset?n=2"),
        web.url("/status/404"),  # any answer shows the host is up
        web.url("/reset?n=3"),
        web.url("/reset?n=4"),
    ]
    limits = Limits(per_host_concurrency=1)
    async with make_checker(host_down_after=3, limits=limits) as checker:
        results = await run_all(checker, urls)
    # Two failures, an answer, two failures: never three in a row, so every link was asked.
    assert all(result.attempts > 0 for result in results.values())
    assert not any("treated as down" in (result.error or "") for result in results.values())


async def test_host_down_after_0_asks_every_link(web: TestWeb, make_checker: MakeChecker) -> None:
    urls = [web.url(f"/reset?n={n}") for n in range(6)]
    async with make_checker(host_down_after=0, limits=Limits(per_host_concurrency=1)) as checker:
        results = await run_all(checker, urls)
    assert all(result.attempts == 3 for result in results.values())
