"""SSRF test helpers: the address forms to refuse, a resolver hook tests drive, and a loopback-only network.

`LoopbackOnly` is the network under the guarded transport in tests: it connects to loopback and records (and
never makes) any other connection, so a guard that let something through shows up as a count, not as traffic.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any

import httpcore

REFUSED_ADDRESSES = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.0.1",
    "169.254.169.254",  # link-local cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "100.100.100.200",  # cloud metadata inside 100.64.0.0/10
    "100.127.255.254",
    "0.0.0.0",
    "198.18.0.1",  # benchmarking
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "192.0.0.170",
    "224.0.0.1",  # multicast
    "::1",
    "::",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::ffff:0:127.0.0.1",  # IPv4-translated (RFC 2765)
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "::808:808",  # IPv4-compatible, even around a public address
    "2002:7f00:1::",  # 6to4 around 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 around 169.254.169.254
    "2002:6464:64c8::",  # 6to4 around 100.100.100.200
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001::1",
    "64:ff9b::7f00:1",  # NAT64 around 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "64:ff9b::6464:64c8",  # NAT64 around 100.100.100.200
    "64:ff9b:1::808:808",  # local-use NAT64
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd00:ec2::254",  # a cloud's IPv6 metadata address
    "2001:db8::1",
    "ff02::1",
]
"""Each address, as a URL literal when a rule is saved and as what a name resolves to at connect time."""

NUMERIC_FORMS = [
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://0x7f.0.0.1/hook",
    "http://0177.0.0.1/hook",
    "http://017700000001/hook",
    "http://0/hook",
    "http://127.0.0.1./hook",
    "http://1681915904/latest/meta-data",  # 100.64.0.0
    "http://localhost/hook",
    "http://LOCALHOST./hook",
    "http://api.localhost/hook",
    "http://[fe80::1%25eth0]/hook",
]
"""Other spellings: IPv4 in the notations browsers and inet_aton accept, localhost names, a zone id."""


def literal_url(address: str, port: int = 8080) -> str:
    host = f"[{address.replace('%', '%25')}]" if ":" in address else address
    return f"http://{host}:{port}/hook"


def resolving(*answers: str | list[str]) -> Callable[[str], Awaitable[list[str]]]:
    """A resolver hook: the n-th lookup gets the n-th answer (the last one repeats); `.calls` lists the names."""
    calls: list[str] = []

    async def resolve(host: str) -> list[str]:
        calls.append(host)
        answer = answers[min(len(calls), len(answers)) - 1]
        return [answer] if isinstance(answer, str) else list(answer)

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


class LoopbackOnly(httpcore.AsyncNetworkBackend):
    """The real network for loopback addresses; any other connection is recorded in `stopped` and refused."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connected: list[tuple[str, int]] = []
        self.stopped: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        if not ipaddress.ip_address(host.split("%", 1)[0]).is_loopback:
            self.stopped.append((host, port))
            raise httpcore.ConnectError("the test network reaches loopback only")
        self.connected.append((host, port))
        return await self.inner.connect_tcp(host, port, *args, **kwargs)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
