"""SSRF guard benchmark, printed as JSON: every refused address form tried, how many got through, and what the
connect-time check costs a delivery.

1. Forms: each non-global address as a URL literal when a rule is saved, other spellings (IPv4 notations,
   localhost names, a zone id), and each address as what a channel's host name resolves to at delivery time,
   for webhook, Slack and PagerDuty. Deliveries run over a loopback-only network, so "reached" counts the
   connections the guard let through (goal 0) without sending anything anywhere.
2. Cost: sequential POSTs to a loopback receiver through the guarded client and through a plain httpx client.

    .venv/bin/python -m bench.alert_destinations [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

import httpx

from telltale_server.services.alerts.channels.transport import GuardedTransport, guarded_client
from telltale_server.services.alerts.destinations import Guard, RefusedDestinationError, check_url
from telltale_server.services.alerts.probe import probe
from tests.support.alerts import SECRET, Receiver, rule
from tests.support.network import NUMERIC_FORMS, REFUSED_ADDRESSES, LoopbackOnly, literal_url, resolving


def at_save() -> dict[str, int]:
    forms = [literal_url(a) for a in REFUSED_ADDRESSES] + NUMERIC_FORMS
    accepted = 0
    for form in forms:
        try:
            check_url(form, [])
            accepted += 1
        except RefusedDestinationError:
            pass
    return {"tried": len(forms), "accepted": accepted}


def at_delivery(receiver: Receiver) -> dict[str, int]:
    port = receiver.server.server_address[1]
    channels = [
        {"type": "webhook", "url": f"http://hooks.example.test:{port}/hook", "secret": SECRET},
        {"type": "slack", "url": f"http://hooks.example.test:{port}/services/T0/B0/token"},
        {
            "type": "pagerduty",
            "routing_key": "R0UT1NGKEY0123456789abcdefABCDEF",
            "url": f"http://hooks.example.test:{port}/pd",
        },
    ]
    tried = refused = reached = 0
    for address in REFUSED_ADDRESSES:
        network = LoopbackOnly()
        guard = Guard((), resolving(address))
        results = asyncio.run(probe(rule(channels=channels), (), 5, GuardedTransport(guard, network)))
        tried += len(results)
        refused += sum(r.error.startswith("refused:") for r in results)
        reached += len(network.connected) + len(network.stopped)
    return {"tried": tried, "refused": refused, "reached": reached + receiver.attempts}


async def timed_posts(client: httpx.AsyncClient, url: str, n: int) -> list[float]:
    took = []
    async with client:
        for _ in range(n):
            started = time.perf_counter()
            response = await client.post(url, content=b"{}")
            took.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return took


def cost(receiver: Receiver, n: int) -> dict[str, dict[str, float]]:
    out = {}
    for name, client in (
        ("plain_httpx", httpx.AsyncClient(timeout=5)),
        ("guarded", guarded_client(5, ["127.0.0.0/8"])),
    ):
        took = sorted(asyncio.run(timed_posts(client, receiver.url, n)))
        out[name] = {"p50_ms": round(statistics.median(took), 3), "p95_ms": round(took[int(0.95 * (n - 1))], 3)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    untouched, target = Receiver(), Receiver()
    try:
        report = {
            "load_average": os.getloadavg(),
            "at_save": at_save(),
            "at_delivery": at_delivery(untouched),
            "delivery_cost": cost(target, args.requests),
        }
    finally:
        untouched.close()
        target.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
