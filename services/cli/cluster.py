"""`telltale worker`: cluster mode's Kafka roles (evaluate, store) in a process of their own."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from telltale_server.schemas.store import Store
from telltale_server.services import heap
from telltale_server.services.cli.commands import settings_from
from telltale_server.services.runtime import Job, cluster_roles, parse_roles
from telltale_server.streams import telemetry
from telltale_server.streams.kafka.admin import ensure_topics


def worker(args: argparse.Namespace) -> int:
    """Run Kafka roles until SIGTERM/SIGINT; the store role opens the store (chDB: no other process may)."""
    settings = settings_from(args)
    if not settings.kafka_bootstrap:
        print("telltale worker: set TELLTALE_KAFKA_BOOTSTRAP (worker roles run on Kafka)", file=sys.stderr)
        return 2
    roles = parse_roles(args.roles or settings.roles)
    asyncio.run(ensure_topics(settings.kafka_bootstrap))
    needs_store = "store" in roles or not settings.store_url().startswith("chdb://")
    store = Store(settings.store_url()) if needs_store else None
    try:
        jobs = cluster_roles(settings, roles, store)
        print(f"telltale worker: roles {','.join(roles)} on Kafka {settings.kafka_bootstrap}", flush=True)
        telemetry.serve(settings.metrics_port)
        heap.settle()
        asyncio.run(_run_until_signalled(jobs))
    finally:
        if store is not None:
            store.close()
    return 0


async def _run_until_signalled(jobs: list[Job]) -> None:
    """Run the jobs; SIGTERM or SIGINT asks them to finish their batch and stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await asyncio.gather(*(job.run(stop) for job in jobs))
