"""`telltale jobs` (formerly `telltale alerts`): the alert engine, the drift job, dataset curation, review queue
filling and the rollup builder of cluster mode, each one active at a time by lease."""

from __future__ import annotations

import asyncio
import logging
import signal

from telltale_server.schemas.lease import Lease
from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.services.alerts.loop import AlertLoop
from telltale_server.services.datasets.continuous import CurationJob
from telltale_server.services.review.fill import QueueFillJob
from telltale_server.streams.drift.job import DriftJob
from telltale_server.streams.rollups.builder import RollupBuilder

log = logging.getLogger(__name__)


def run(settings: Settings, lease_ttl_s: float = 15.0) -> None:
    """Evaluate and notify until SIGINT/SIGTERM; a second copy waits as a standby and takes over on expiry."""
    store = Store(settings.store_url())
    try:
        migrate(store, settings.clickhouse_cluster)
        loop = AlertLoop(store, settings, lease=Lease(store, ttl_s=lease_ttl_s))
        jobs: list[DriftJob | CurationJob | QueueFillJob | RollupBuilder] = [
            CurationJob(store, gate=Lease(store, ttl_s=120, name="datasets").hold),
            QueueFillJob(store, gate=Lease(store, ttl_s=120, name="review-queues").hold),
            RollupBuilder(store, gate=Lease(store, ttl_s=lease_ttl_s, name="rollups").hold),
        ]
        if settings.drift_enabled:
            drift_lease = Lease(store, ttl_s=3 * settings.drift_interval_s + 60, name="drift")
            jobs.append(DriftJob(store, interval_s=settings.drift_interval_s, gate=drift_lease.hold))
        asyncio.run(_until_signalled(loop, jobs))
    finally:
        store.close()


async def _until_signalled(loop: AlertLoop, jobs: list[DriftJob | CurationJob | QueueFillJob | RollupBuilder]) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    log.info("background jobs started (holder %s)", loop.lease.holder if loop.lease else "local")
    await asyncio.gather(loop.run(stop), *(job.run(stop) for job in jobs))
