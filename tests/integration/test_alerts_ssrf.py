"""SSRF at delivery time: the guarded transport against real loopback receivers, with a resolver the test drives.

The network under the transport reaches loopback only (`LoopbackOnly`): a refused form that got through would
be counted in `network.stopped`, never sent anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from telltale_server.services.alerts.channels.transport import GuardedTransport
from telltale_server.services.alerts.destinations import Guard, system_resolve
from telltale_server.services.alerts.probe import ProbeResult, probe
from tests.support.alerts import SECRET, Receiver, rule
from tests.support.network import REFUSED_ADDRESSES, LoopbackOnly, resolving

NAME = "hooks.example.test"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def untouched() -> Iterator[Receiver]:
    """One receiver for every refused form: it must never see a request."""
    r = Receiver()
    yield r
    r.close()


def channels(port: int) -> list[dict[str, Any]]:
    """One channel of each kind, all at NAME on the receiver's port."""
    return [
        {"type": "webhook", "url": f"http://{NAME}:{port}/hook", "secret": SECRET},
        {"type": "slack", "url": f"http://{NAME}:{port}/services/T0/B0/token"},
        {"type": "pagerduty", "routing_key": "R0UT1NGKEY0123456789abcdefABCDEF", "url": f"http://{NAME}:{port}/pd"},
    ]


def send(port: int, guard: Guard, network: LoopbackOnly) -> list[ProbeResult]:
    """A test notification to every channel, through the guarded transport over the loopback-only network."""
    return asyncio.run(probe(rule(channels=channels(port)), guard.allow, 5, GuardedTransport(guard, network)))


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_a_name_resolving_inward_is_refused_for_every_channel_and_nothing_connects(
    address: str, untouched: Receiver
) -> None:
    network = LoopbackOnly()
    results = send(untouched.server.server_address[1], Guard((), resolving(address)), network)
    assert [r.ok for r in results] == [False, False, False]
    assert all(r.error.startswith("refused:") and NAME in r.error for r in results), results
    assert network.connected == [] and network.stopped == [] and untouched.attempts == 0


def test_an_allow_listed_loopback_receiver_is_reached_by_every_channel(receiver: Receiver) -> None:
    network = LoopbackOnly()
    port = receiver.server.server_address[1]
    results = send(port, Guard(("127.0.0.0/8",), resolving("127.0.0.1")), network)
    assert [r.ok for r in results] == [True, True, True], results
    assert {path for path in (r.path for r in receiver.received)} == {"/hook", "/services/T0/B0/token", "/pd"}
    assert set(network.connected) == {("127.0.0.1", port)} and network.stopped == []


def test_the_connection_goes_to_the_address_checked_in_the_same_lookup(receiver: Receiver) -> None:
    """DNS rebinding: the name answers loopback (allowed), then a metadata address; no second lookup is trusted."""
    network = LoopbackOnly()
    resolve = resolving("127.0.0.1", "100.100.100.200")
    port = receiver.server.server_address[1]
    target = rule(channels=channels(port)[:1])
    guard = Guard(("127.0.0.0/8",), resolve)
    first = asyncio.run(probe(target, guard.allow, 5, GuardedTransport(guard, network)))
    second = asyncio.run(probe(target, guard.allow, 5, GuardedTransport(guard, network)))
    assert first[0].ok and not second[0].ok and second[0].error.startswith("refused:")
    assert resolve.calls == [NAME, NAME]  # type: ignore[attr-defined]
    assert network.connected == [("127.0.0.1", port)] and network.stopped == [] and receiver.attempts == 1


def test_a_redirect_inward_is_not_followed(receiver: Receiver) -> None:
    receiver.status = 302
    receiver.extra_headers = {"Location": "http://169.254.169.254/latest/meta-data"}
    network = LoopbackOnly()
    port = receiver.server.server_address[1]
    guard = Guard(("127.0.0.0/8",), resolving("127.0.0.1"))
    [result] = asyncio.run(probe(rule(channels=channels(port)[:1]), guard.allow, 5, GuardedTransport(guard, network)))
    assert not result.ok and result.status_code == 302
    assert network.connected == [("127.0.0.1", port)] and network.stopped == []


def test_the_default_transport_refuses_inward_and_reaches_an_allow_listed_receiver(receiver: Receiver) -> None:
    """No hooks: the system resolver and the real network, as `telltale up` delivers."""
    assert "127.0.0.1" in asyncio.run(system_resolve("localhost"))
    port = receiver.server.server_address[1]
    target = rule(channels=[{"type": "webhook", "url": f"http://localhost:{port}/hook", "secret": SECRET}])
    [refused] = asyncio.run(probe(target, [], 5))
    [reached] = asyncio.run(probe(target, ["127.0.0.0/8"], 5))
    assert refused.error.startswith("refused:") and reached.ok and receiver.attempts == 1
