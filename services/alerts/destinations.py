"""Outgoing-call safety: channel URLs may not reach loopback, link-local or private addresses unless allowed.

Checked when a rule is saved (scheme, literal addresses, `localhost`) and again before every request
(every address the name resolves to), so a public name that later resolves inward is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedDestinationError(ValueError):
    """The URL points somewhere alerts may not be sent; the message says why, without the URL's secrets."""


def _host(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedDestinationError("only http and https URLs are allowed")
    if not parts.hostname:
        raise RefusedDestinationError("the URL has no host")
    if parts.username or parts.password:
        raise RefusedDestinationError("credentials in the URL are not allowed")
    return parts.hostname


def _inward(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _allowed(host: str, address: IPAddress | None, allow: Sequence[str]) -> bool:
    """An allow-list entry is a host name or a network in CIDR notation."""
    for entry in allow:
        if entry.lower() == host.lower():
            return True
        if address is not None and "/" in entry and address in ipaddress.ip_network(entry, strict=False):
            return True
    return False


def _check_address(host: str, address: IPAddress, allow: Sequence[str]) -> None:
    if _inward(address) and not _allowed(host, address, allow):
        raise RefusedDestinationError(
            f"{host} is a loopback, link-local or private address; add it to TELLTALE_ALERTS_ALLOWED_NETWORKS to allow"
        )


def check_url(url: str, allow: Sequence[str]) -> None:
    """What can be judged without DNS: scheme, credentials, `localhost`, literal addresses."""
    host = _host(url)
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        _check_address(host, ipaddress.ip_address("127.0.0.1"), allow)
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    _check_address(host, address, allow)


async def check_resolved(url: str, allow: Sequence[str]) -> None:
    """Right before a request: every address the host resolves to must be allowed."""
    check_url(url, allow)
    host = _host(url)
    if _allowed(host, None, allow):
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as error:
        raise RefusedDestinationError(f"cannot resolve {host}: {error}") from None
    for info in infos:
        _check_address(host, ipaddress.ip_address(info[4][0]), allow)
