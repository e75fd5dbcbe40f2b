"""Outgoing-call safety: alert channels reach only globally routable addresses, unless the allow-list says otherwise.

An address passes when Python's `ipaddress` calls it global, it is not multicast, and every IPv4 address
it wraps passes too (IPv4-mapped and -translated, 6to4, NAT64; Teredo, IPv4-compatible and local-use NAT64
addresses are refused outright). So carrier-grade NAT (100.64.0.0/10, where 100.100.100.200 is a cloud
metadata service), `2002:7f00:1::` (6to4 around 127.0.0.1) or `64:ff9b::a00:1` (NAT64 around 10.0.0.1)
are refused, not just a list of private ranges. TELLTALE_ALERTS_ALLOWED_NETWORKS opts hosts or networks in.

`check_url` judges what needs no DNS, when a rule is saved; `Guard.addresses` runs when a connection is made:
it resolves the name, checks every address and returns them, and only those are connected to (see
`channels/transport.py`), so no second lookup can point elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Awaitable[list[str]]]
"""A host name to the addresses it resolves to; the default asks the system, tests give their own."""

_NOT_GLOBAL = (
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated), which Python 3.11 calls global
    ipaddress.ip_network("2001::/32"),  # Teredo: tunnels to an IPv4 host we cannot judge
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215), global to Python 3.11
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::ffff:0:0:0/96"))
"""Prefixes whose last 32 bits are an IPv4 address: NAT64 (RFC 6052) and IPv4-translated (RFC 2765)."""
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class RefusedDestinationError(ValueError):
    """The URL points somewhere alerts may not be sent; the message says why, without the URL's secrets."""


def url_host(url: str) -> str:
    """The URL's host, once its form is acceptable: http(s), a host, no credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedDestinationError("only http and https URLs are allowed")
    if not parts.hostname:
        raise RefusedDestinationError("the URL has no host")
    if parts.username or parts.password:
        raise RefusedDestinationError("credentials in the URL are not allowed")
    return parts.hostname


def embedded(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, to be judged too."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if any(address in prefix for prefix in _NAT64):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def refusal(address: IPAddress) -> str | None:
    """Why an address may not be reached, or None when it and everything it wraps is globally routable."""
    if address.is_multicast:
        return f"{address} is a multicast address"
    if not address.is_global or any(address in network for network in _NOT_GLOBAL):
        return f"{address} is not a globally routable address (loopback, private, link-local, shared or reserved)"
    for inner in embedded(address):
        if (reason := refusal(inner)) is not None:
            return f"{address} wraps {inner}: {reason}"
    return None


def literal(host: str) -> list[IPAddress] | None:
    """What a host stands for without DNS: an IP literal (any IPv4 notation), or a localhost name (127.0.0.1)."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return [ipaddress.IPv4Address("127.0.0.1")]
    try:
        return [_plain(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if _NUMERIC_HOST.match(name) and _NUMERIC_LABEL.match(name.rsplit(".", 1)[-1]):
        try:  # 127.1, 0x7f.0.0.1, 0177.0.0.1, 2130706433: what inet_aton and browsers read as IPv4
            return [ipaddress.IPv4Address(socket.inet_aton(name))]
        except OSError:
            raise RefusedDestinationError(f"{host} is neither a host name nor a valid address") from None
    return None


def _plain(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address is the IPv4 address it maps."""
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return mapped or address


def _allowed_name(host: str, allow: Sequence[str]) -> bool:
    name = host.lower().rstrip(".")
    return any("/" not in entry and entry.lower().rstrip(".") == name for entry in allow)


def _allowed_address(address: IPAddress, allow: Sequence[str]) -> bool:
    return any("/" in entry and address in ipaddress.ip_network(entry, strict=False) for entry in allow)


def check_address(host: str, address: IPAddress, allow: Sequence[str]) -> None:
    """Refuse an address that is not globally routable, unless the allow-list admits the host or the address."""
    reason = refusal(address)
    if reason is not None and not _allowed_name(host, allow) and not _allowed_address(address, allow):
        raise RefusedDestinationError(f"{host}: {reason}; add it to TELLTALE_ALERTS_ALLOWED_NETWORKS to allow")


def check_url(url: str, allow: Sequence[str]) -> None:
    """What can be judged without DNS, when a rule is saved: the URL's form and a literal or localhost host."""
    host = url_host(url)
    for address in literal(host) or []:
        check_address(host, address, allow)


async def system_resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Guard:
    """The policy at connect time: the addresses a host may be reached at, every one of them checked."""

    allow: tuple[str, ...] = ()
    resolve: Resolver = field(default=system_resolve)

    async def addresses(self, host: str) -> list[str]:
        """All the host's addresses, each allowed, in the resolver's order; raises if any one is refused."""
        found = literal(host)
        if found is None:
            found = [_plain(ipaddress.ip_address(a.split("%", 1)[0])) for a in await self.resolve(host)]
        for address in found:
            check_address(host, address, self.allow)
        return list(dict.fromkeys(str(address) for address in found))
