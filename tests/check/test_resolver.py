"""Private targets are refused on the resolved address; test names resolve statically; the
network probe tells a missing name from a missing network.  No traffic leaves loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from pytest_aiohttp import AiohttpServer

from linkcheck.check.resolver import (
    GuardedResolver,
    PrivateAddressError,
    StaticResolver,
    is_private_address,
    network_reachable,
)

REFUSED = [
    "127.0.0.1",  # loopback
    "127.255.255.254",
    "10.1.2.3",  # RFC 1918
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # link-local: cloud metadata
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "100.127.255.254",
    "0.0.0.0",  # unspecified
    "0.1.2.3",  # "this network"
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "::1",
    "::",
    "fc00::1",  # unique local
    "fd12:3456::1",
    "fe80::1",  # link-local
    "fe80::1%eth0",
    "fec0::1",  # site-local (deprecated)
    "ff02::1",  # multicast
    "2001:db8::1",  # documentation
    "::ffff:127.0.0.1",  # IPv4-mapped forms of the above
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe",  # NAT64 form of 169.254.169.254
    "[::1]",
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "172.15.255.255",  # just outside 172.16/12
    "172.32.0.1",
    "100.63.255.255",  # just outside 100.64/10
    "100.128.0.1",
    "169.253.255.255",
    "11.0.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001:81b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
]


@pytest.mark.parametrize("ip", REFUSED)
def test_private_addresses_are_recognised(ip: str) -> None:
    assert is_private_address(ip)


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_pass(ip: str) -> None:
    assert not is_private_address(ip)


@pytest.mark.parametrize("text", ["example.com", "", "1.2.3", "::g"])
def test_only_addresses_are_classified(text: str) -> None:
    with pytest.raises(ValueError):
        is_private_address(text)


# --------------------------------------------------------------------------- StaticResolver


async def test_static_names_resolve_like_getaddrinfo_results() -> None:
    resolver = StaticResolver({"Public.Test": ["::1", "127.0.0.2"]})

    both = await resolver.resolve("public.test.", 8080, socket.AF_UNSPEC)
    only_v4 = await resolver.resolve("PUBLIC.test", 80, socket.AF_INET)

    assert [(r["host"], r["port"], r["family"]) for r in both] == [
        ("127.0.0.2", 8080, socket.AF_INET),
        ("::1", 8080, socket.AF_INET6),
    ]
    assert [r["host"] for r in only_v4] == ["127.0.0.2"]
    assert only_v4[0]["hostname"] == "PUBLIC.test"


async def test_an_unknown_name_fails_as_nxdomain() -> None:
    with pytest.raises(socket.gaierror) as raised:
        await StaticResolver({"known.test": "127.0.0.1"}).resolve("unknown.test", 80)
    assert raised.value.errno == socket.EAI_NONAME


async def test_a_name_without_the_asked_family_has_no_data() -> None:
    with pytest.raises(socket.gaierror) as raised:
        await StaticResolver({"v6.test": "::1"}).resolve("v6.test", 80, socket.AF_INET)
    assert raised.value.errno in {getattr(socket, "EAI_NODATA", None), socket.EAI_NONAME}


async def test_unknown_names_go_to_the_fallback() -> None:
    resolver = StaticResolver(
        {"first.test": "127.0.0.2"}, fallback=StaticResolver({"second.test": "127.0.0.3"})
    )
    result = await resolver.resolve("second.test", 80)
    assert [r["host"] for r in result] == ["127.0.0.3"]


def test_a_static_mapping_must_hold_addresses() -> None:
    with pytest.raises(ValueError):
        StaticResolver({"bad.test": "not-an-address"})
    with pytest.raises(ValueError):
        StaticResolver({"empty.test": []})


async def test_an_unknown_name_reaches_the_client_as_a_dns_error() -> None:
    """What the checker's client sees: the connector's DNS error wrapping EAI_NONAME."""
    resolver = StaticResolver({})
    connector = aiohttp.TCPConnector(resolver=resolver)
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorDNSError) as raised:
            await session.get("http://nowhere.test/")
    assert isinstance(raised.value.os_error, socket.gaierror)
    assert raised.value.os_error.errno == socket.EAI_NONAME


# --------------------------------------------------------------------------- the guard on the wire


@pytest.fixture
async def local_site(aiohttp_server: AiohttpServer) -> AsyncIterator[tuple[int, list[str]]]:
    """A site on 127.0.0.1; yields its port and the paths it was asked for."""
    asked: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(text="secret")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    server = await aiohttp_server(app)
    assert server.port is not None
    yield server.port, asked


async def fetch_status(resolver: AbstractResolver, url: str) -> int:
    connector = aiohttp.TCPConnector(resolver=resolver)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(url) as response,
    ):
        return response.status


async def test_a_public_name_resolving_to_loopback_is_refused(
    local_site: tuple[int, list[str]],
) -> None:
    port, asked = local_site
    guarded = GuardedResolver(StaticResolver({"public.test": "127.0.0.1"}), exclude_private=True)

    with pytest.raises(aiohttp.ClientConnectorDNSError) as raised:
        await fetch_status(guarded, f"http://public.test:{port}/admin")
    await guarded.close()

    refusal = raised.value.os_error
    assert isinstance(refusal, PrivateAddressError)
    assert refusal.errno is None  # never mistaken for NXDOMAIN
    assert (refusal.host, refusal.address) == ("public.test", "127.0.0.1")
    assert "public.test" in str(refusal) and "127.0.0.1" in str(refusal)
    assert asked == []


async def test_without_the_option_the_same_name_is_reached(
    local_site: tuple[int, list[str]],
) -> None:
    port, asked = local_site
    guarded = GuardedResolver(StaticResolver({"public.test": "127.0.0.1"}))

    assert await fetch_status(guarded, f"http://public.test:{port}/admin") == 200
    await guarded.close()
    assert asked == ["/admin"]


async def test_literal_addresses_bypass_resolvers_so_the_client_must_check_them(
    local_site: tuple[int, list[str]],
) -> None:
    """aiohttp connects to an IP literal without asking the resolver: the reason
    ``check_literal_host`` exists and the client calls it for every hop."""
    port, asked = local_site
    guarded = GuardedResolver(StaticResolver({}), exclude_private=True)

    assert await fetch_status(guarded, f"http://127.0.0.1:{port}/") == 200
    assert asked == ["/"]
    with pytest.raises(PrivateAddressError):
        guarded.check_literal_host("127.0.0.1")
    await guarded.close()


async def test_the_default_resolver_is_guarded_too() -> None:
    guarded = GuardedResolver(exclude_private=True)  # aiohttp's resolver, made on first use
    with pytest.raises(PrivateAddressError):
        await guarded.resolve("localhost", 80, socket.AF_UNSPEC)
    await guarded.close()


async def test_only_the_public_addresses_of_a_mixed_name_are_kept() -> None:
    inner = StaticResolver({"mixed.test": ["10.0.0.7", "93.184.215.14", "::1"]})
    guarded = GuardedResolver(inner, exclude_private=True)
    result = await guarded.resolve("mixed.test", 443, socket.AF_UNSPEC)
    assert [r["host"] for r in result] == ["93.184.215.14"]


@pytest.mark.parametrize(
    "host",
    ["169.254.169.254", "127.0.0.1", "::1", "[::1]", "fe80::1%25eth0", "::ffff:7f00:1", "127.1"],
)
def test_private_literals_are_refused(host: str) -> None:
    with pytest.raises(PrivateAddressError) as raised:
        GuardedResolver(exclude_private=True).check_literal_host(host)
    assert raised.value.host == host


@pytest.mark.parametrize("host", ["93.184.215.14", "2606:4700:4700::1111", "example.com"])
def test_public_literals_and_names_pass_the_literal_check(host: str) -> None:
    GuardedResolver(exclude_private=True).check_literal_host(host)


def test_the_literal_check_is_off_without_the_option() -> None:
    GuardedResolver().check_literal_host("169.254.169.254")


# --------------------------------------------------------------------------- network probe


class HangingResolver(AbstractResolver):
    """A DNS server that never answers."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        pass


def canaries_at(address: str) -> AbstractResolver:
    return StaticResolver({"canary.test": address})


@pytest.mark.parametrize(
    ("make_resolver", "canaries", "expected"),
    [
        (lambda: canaries_at("93.184.215.14"), ["gone.test", "canary.test"], True),
        (lambda: canaries_at("93.184.215.14"), ["gone.test", "lost.test"], False),
        (
            lambda: GuardedResolver(canaries_at("10.0.0.1"), exclude_private=True),
            ["canary.test"],
            True,  # refused, but the name did resolve: the network is there
        ),
        (HangingResolver, ["canary.test"], False),
    ],
)
async def test_network_reachable(
    make_resolver: Callable[[], AbstractResolver], canaries: list[str], expected: bool
) -> None:
    assert await network_reachable(make_resolver(), canaries, give_up_after=0.05) is expected


async def test_network_reachable_needs_canaries() -> None:
    with pytest.raises(ValueError):
        await network_reachable(StaticResolver({}), [])
