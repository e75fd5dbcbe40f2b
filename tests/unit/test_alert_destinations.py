"""The outgoing-URL policy: every way to spell a non-global address is refused; the allow-list opts networks in."""

from __future__ import annotations

import asyncio

import pytest

from telltale_server.services.alerts.destinations import Guard, RefusedDestinationError, check_url
from tests.support.network import NUMERIC_FORMS, REFUSED_ADDRESSES, literal_url, resolving

ODD_URLS = [
    "ftp://example.com/hook",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://user:pw@example.com/hook",
    "http:///hook",
    "http://1.2.3.999/hook",
]

GLOBAL = ["8.8.8.8", "93.184.216.34", "2606:4700::1", "::ffff:8.8.8.8", "2002:808:808::", "64:ff9b::808:808"]
"""Globally routable, including IPv6 forms that wrap a public IPv4 address."""


@pytest.mark.parametrize("target", [literal_url(a) for a in REFUSED_ADDRESSES] + NUMERIC_FORMS + ODD_URLS)
def test_every_spelling_of_an_inward_address_is_refused_when_a_rule_is_saved(target: str) -> None:
    with pytest.raises(RefusedDestinationError):
        check_url(target, [])


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_a_name_that_resolves_to_an_inward_address_is_refused_at_connect_time(address: str) -> None:
    check_url("https://hooks.example.com/x", [])
    with pytest.raises(RefusedDestinationError, match="TELLTALE_ALERTS_ALLOWED_NETWORKS"):
        asyncio.run(Guard(resolve=resolving(address)).addresses("hooks.example.com"))


def test_one_inward_address_among_public_ones_refuses_the_name() -> None:
    with pytest.raises(RefusedDestinationError):
        asyncio.run(Guard(resolve=resolving(["93.184.216.34", "100.100.100.200"])).addresses("hooks.example.com"))


@pytest.mark.parametrize("address", GLOBAL)
def test_global_addresses_pass(address: str) -> None:
    check_url(literal_url(address), [])
    guard = Guard(resolve=resolving(address))
    assert asyncio.run(guard.addresses("hooks.example.com")) == [address.removeprefix("::ffff:")]


def test_literals_and_localhost_are_never_looked_up() -> None:
    resolve = resolving("8.8.8.8")
    guard = Guard(("127.0.0.0/8",), resolve)
    assert asyncio.run(guard.addresses("127.1")) == ["127.0.0.1"]
    assert asyncio.run(guard.addresses("localhost")) == ["127.0.0.1"]
    with pytest.raises(RefusedDestinationError):
        asyncio.run(guard.addresses("100.100.100.200"))
    assert resolve.calls == []  # type: ignore[attr-defined]


def test_allow_list_admits_networks_and_hosts_and_nothing_else() -> None:
    check_url("http://127.0.0.1:8080/hook", ["127.0.0.0/8"])
    check_url("http://[::ffff:127.0.0.1]:8080/hook", ["127.0.0.0/8"])
    check_url("http://localhost/hook", ["localhost"])
    check_url("http://[::1]/hook", ["::1/128"])
    check_url("http://100.64.1.1/hook", ["100.64.0.0/10"])
    for target in ("http://10.0.0.1/hook", "http://[::1]/hook", "http://100.100.100.200/"):
        with pytest.raises(RefusedDestinationError):
            check_url(target, ["127.0.0.0/8"])
    named = Guard(("hooks.internal",), resolving("10.0.0.5"))
    assert asyncio.run(named.addresses("hooks.internal.")) == ["10.0.0.5"]
    with pytest.raises(RefusedDestinationError):
        asyncio.run(named.addresses("other.internal"))


def test_refusals_name_the_host_but_never_the_url() -> None:
    with pytest.raises(RefusedDestinationError) as refused:
        check_url("http://100.100.100.200/services/T0/B0/secret-token", [])
    assert "100.100.100.200" in str(refused.value) and "secret-token" not in str(refused.value)
