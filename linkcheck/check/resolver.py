"""Name resolution for the checker: a guard against private targets, a static map for tests,
and a probe that tells "this name does not exist" from "there is no network".

How failures look (aiohttp 3.14, what ``check/client.py`` translates):

* A resolver's ``resolve()`` raises ``OSError``; ``TCPConnector`` wraps any ``OSError`` from
  it in ``aiohttp.ClientConnectorDNSError`` and keeps the original as ``.os_error``.
* aiohttp's default resolver (``ThreadedResolver``, used when ``aiodns`` is not installed, as
  here) lets ``socket.gaierror`` through.  NXDOMAIN is ``gaierror(EAI_NONAME, "Name or service
  not known")`` (errno -2 on Linux); a name with no address of the asked family is
  ``EAI_NODATA`` (-5); a temporary failure (server unreachable or SERVFAIL) is ``EAI_AGAIN``
  (-3).  With no network at all glibc may still answer ``EAI_NONAME``, so a "does not exist"
  must be confirmed with :func:`network_reachable` before a link is called dead.
  (``AsyncResolver``, with aiodns, raises ``OSError(None, message)`` and loses the
  distinction.)
* :class:`StaticResolver` raises exactly that NXDOMAIN shape for names it does not know.
* :class:`GuardedResolver` raises :class:`PrivateAddressError` (an ``OSError`` with
  ``errno`` None, so never mistaken for NXDOMAIN) when every address of a name is refused; the
  client sees it as ``ClientConnectorDNSError(...).os_error``.  Check for it before the
  gaierror codes.

IP literals never reach a resolver: ``TCPConnector._resolve_host`` returns a host that looks
like an address (all digits and dots, or containing ":") as it is, and rejects the legacy
numeric spellings (``127.1``, ``2130706433``) as an invalid URL.  Spellings it does not take
for an address (``0x7f.1``) go to the resolver, whose getaddrinfo turns them into the address
the guard then judges.  The client must therefore call
:meth:`GuardedResolver.check_literal_host` for the host of every hop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping, Sequence

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Networks that are private by purpose but that ``ipaddress`` flags as neither private nor
#: reserved: carrier-grade NAT space is shared by a provider's customers.
_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
#: NAT64 gateways forward these to the IPv4 address in the last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NUMERIC_FLAGS = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
_DEFAULT_PROBE_TIMEOUT = 5.0


class PrivateAddressError(OSError):
    """A host name (or literal) leads only to addresses ``--exclude-private`` refuses."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"refusing {host}: it resolves to the private address {address}")
        self.host = host
        self.address = address


def is_private_address(ip: str) -> bool:
    """Whether ``ip`` is an address that a public web page cannot be served from.

    True for loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 including the
    cloud metadata address, fe80::/10), unspecified, reserved and documentation ranges,
    multicast, shared address space (100.64/10), deprecated site-local (fec0::/10), and for
    IPv4-mapped and NAT64 IPv6 forms of any of these.  A ``%zone`` suffix is ignored.
    Raises ``ValueError`` if ``ip`` is not an IP address.
    """
    return _is_private(_parse_address(ip))


def _parse_address(ip: str) -> IPAddress:
    text = ip.strip().removeprefix("[").removesuffix("]")
    address, _, _zone = text.partition("%")
    return ipaddress.ip_address(address)


def _is_private(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or _nat64_target(address)
        if embedded is not None:
            return _is_private(embedded)
        if address.is_site_local:
            return True
    elif address in _SHARED_ADDRESS_SPACE:
        return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_reserved
        or address.is_multicast
    )


def _nat64_target(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address not in _NAT64:
        return None
    return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)


def _literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, if it is an IP literal (brackets, zone and legacy
    numeric IPv4 forms such as ``127.1`` included); None for a name."""
    try:
        return _parse_address(host)
    except ValueError:
        pass
    if host and all(c.isdigit() or c == "." for c in host):
        try:  # inet_aton accepts the legacy forms getaddrinfo would also map to an address
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


class GuardedResolver(AbstractResolver):
    """Resolves through ``inner`` and, with ``exclude_private``, refuses private addresses.

    Addresses are judged after resolution, so a public-looking name that resolves to
    127.0.0.1 is refused, and the connection can only go to an address that was judged.  If
    a name has both public and private addresses, only the public ones are returned.
    ``close()`` closes ``inner`` (aiohttp's connector does not close resolvers it was given).
    """

    def __init__(
        self, inner: AbstractResolver | None = None, *, exclude_private: bool = False
    ) -> None:
        self._inner = inner
        self.exclude_private = exclude_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._resolver().resolve(host, port, family)
        if not self.exclude_private:
            return results
        allowed = [result for result in results if not _refused(result["host"])]
        if not allowed:
            refused = results[0]["host"] if results else "(no address)"
            raise PrivateAddressError(host, refused)
        return allowed

    def check_literal_host(self, host: str) -> None:
        """Raise :class:`PrivateAddressError` if ``host`` is a refused IP literal.

        The connector never passes literals to ``resolve()``, so the client calls this for
        the host of every hop; names pass here and are judged when resolved.
        """
        if not self.exclude_private:
            return
        address = _literal_address(host)
        if address is not None and _is_private(address):
            raise PrivateAddressError(host, str(address))

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()

    def _resolver(self) -> AbstractResolver:
        # aiohttp's resolvers bind to the running loop, so the default one is made on first use.
        if self._inner is None:
            self._inner = DefaultResolver()
        return self._inner


def _refused(ip: str) -> bool:
    try:
        return is_private_address(ip)
    except ValueError:
        return True  # not an address we can judge: refuse rather than guess


class StaticResolver(AbstractResolver):
    """Resolves names from a fixed mapping (tests map fake public names to 127.0.0.x).

    Names are matched without case or a final dot.  Unknown names go to ``fallback``, or fail
    as NXDOMAIN does: ``socket.gaierror(EAI_NONAME, ...)``.  A known name without an address
    of the requested family fails with ``EAI_NODATA``, as getaddrinfo does.
    """

    def __init__(
        self, mapping: Mapping[str, str | Sequence[str]], fallback: AbstractResolver | None = None
    ) -> None:
        self._addresses = {
            _name_key(name): _parse_all([ips] if isinstance(ips, str) else ips)
            for name, ips in mapping.items()
        }
        self._fallback = fallback

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self._addresses.get(_name_key(host))
        if addresses is None:
            if self._fallback is not None:
                return await self._fallback.resolve(host, port, family)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        results = [
            _result(host, address, port)
            for address in addresses
            if family == socket.AF_UNSPEC or family == _family_of(address)
        ]
        if not results:
            raise socket.gaierror(_EAI_NODATA, "No address associated with hostname")
        return results

    async def close(self) -> None:
        if self._fallback is not None:
            await self._fallback.close()


_EAI_NODATA: int = getattr(socket, "EAI_NODATA", socket.EAI_NONAME)


def _name_key(name: str) -> str:
    return name.lower().rstrip(".")


def _parse_all(ips: Sequence[str]) -> tuple[IPAddress, ...]:
    if not ips:
        raise ValueError("a StaticResolver name needs at least one address")
    # IPv4 first, as getaddrinfo usually orders them, so a test server on 127.0.0.x is tried first.
    return tuple(sorted((ipaddress.ip_address(ip) for ip in ips), key=lambda a: a.version))


def _family_of(address: IPAddress) -> socket.AddressFamily:
    return socket.AF_INET if address.version == 4 else socket.AF_INET6


def _result(host: str, address: IPAddress, port: int) -> ResolveResult:
    return ResolveResult(
        hostname=host,
        host=str(address),
        port=port,
        family=_family_of(address),
        proto=0,
        flags=_NUMERIC_FLAGS,
    )


async def network_reachable(
    resolver: AbstractResolver,
    canaries: Sequence[str],
    *,
    give_up_after: float = _DEFAULT_PROBE_TIMEOUT,
) -> bool:
    """True if any canary name resolves within ``give_up_after`` seconds (all asked at once).

    A canary refused by a :class:`GuardedResolver` still counts: its name did resolve.
    """
    if not canaries:
        raise ValueError("network_reachable needs at least one canary name")
    lookups = [asyncio.ensure_future(_resolves(resolver, name)) for name in canaries]
    try:
        for lookup in asyncio.as_completed(lookups, timeout=give_up_after):
            if await lookup:
                return True
        return False
    except TimeoutError:
        return False
    finally:
        for lookup in lookups:
            lookup.cancel()
        await asyncio.gather(*lookups, return_exceptions=True)


async def _resolves(resolver: AbstractResolver, name: str) -> bool:
    try:
        return bool(await resolver.resolve(name, 443, socket.AF_UNSPEC))
    except PrivateAddressError:
        return True
    except OSError:
        return False
