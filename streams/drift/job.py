"""The periodic drift job: for every project and monitor, compute the windows that closed since the last pass.

Both runners drive it the same way: local mode runs it in the server process, cluster mode in the
`telltale jobs` process while that process holds the drift lease (`gate`). Missed windows are caught
up after downtime; a computed window is never recomputed unless `recompute` is asked (`telltale replay`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from telltale_server.schemas.store import Store
from telltale_server.streams import telemetry
from telltale_server.streams.drift import frames, results, windows
from telltale_server.streams.drift.compute import SegmentResult, compute_window
from telltale_server.streams.drift.config import Monitor
from telltale_server.streams.drift.monitors import StoredMonitors
from telltale_server.streams.drift.pool import DriftPool
from telltale_server.streams.drift.segments import ALL
from telltale_server.streams.health import HealthLog
from telltale_server.streams.periodic import repeat

log = logging.getLogger(__name__)
JOB = "drift"
PROJECT = ""
"""The subject of a failure that is the project's, not one monitor's (its monitors could not be listed)."""
ACTIVE_WITHIN = timedelta(days=31)
"""Projects with events this recent are monitored."""


class DriftJob:
    """Runs `tick()` every `interval_s` seconds until stopped; each tick catches every monitor up."""

    name = "drift"

    def __init__(
        self,
        store: Store,
        interval_s: float = 30.0,
        gate: Callable[[], bool] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.monitors = StoredMonitors(store)
        self.health = HealthLog(store, JOB)
        self.pool = DriftPool()
        self.interval_s = interval_s
        self.gate = gate
        self.clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await repeat(
                lambda: _until_stopped(self.tick(stop), stop),
                stop,
                what="drift",
                interval_s=self.interval_s,
                gate=self.gate,
            )
        finally:
            self.pool.close()

    async def tick(self, stop: asyncio.Event | None = None, only: Collection[str] | None = None) -> int:
        """Compute every due window of every enabled monitor (of the `only` projects, if given); count them.

        A monitor (or a project) that fails is recorded in the health log and skipped: the others go on."""
        now = self.clock()
        projects = await asyncio.to_thread(results.active_projects, self.store, now - ACTIVE_WITHIN)
        computed = 0
        for project_id, first_event in projects.items():
            if only is not None and project_id not in only:
                continue
            try:
                monitors = await asyncio.to_thread(self.monitors.of_project, project_id)
            except Exception as error:
                self.health.failed(project_id, PROJECT, error)
                continue
            self.health.succeeded(project_id, PROJECT)
            for monitor in monitors:
                if monitor.problem:
                    self.health.failed(project_id, monitor.monitor_id, monitor.problem)
                elif monitor.config.enabled:
                    computed += await self._isolated(monitor, first_event, now, stop)
        return computed

    async def _isolated(
        self, monitor: Monitor, first_event: datetime, now: datetime, stop: asyncio.Event | None
    ) -> int:
        """Catch one monitor up; its failure is recorded on it, and the pass goes on with the next monitor."""
        try:
            computed = await self._catch_up(monitor, first_event, now, stop)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.health.failed(monitor.project_id, monitor.monitor_id, error)
            return 0
        self.health.succeeded(monitor.project_id, monitor.monitor_id)
        return computed

    async def recompute(self, monitor: Monitor, start: datetime, end: datetime) -> int:
        """Compute the closed windows starting in [start, end) again, however old (the replay path)."""
        cfg = monitor.config
        starts = windows.between(start, windows.floor(min(end, self.clock()), cfg.window_s), cfg.window_s)
        for window_start in starts:
            await self.compute(monitor, window_start)
        return len(starts)

    async def _catch_up(
        self, monitor: Monitor, first_event: datetime, now: datetime, stop: asyncio.Event | None
    ) -> int:
        cfg = monitor.config
        done = await asyncio.to_thread(results.done_until, self.store, monitor.project_id, monitor.monitor_id)
        computed = 0
        for start in windows.due(cfg, done, first_event, now):
            if stop is not None and stop.is_set():
                break
            end = start + timedelta(seconds=cfg.window_s)
            arrived = await asyncio.to_thread(results.last_arrival, self.store, monitor.project_id, start, end)
            if cfg.settle_s and arrived is not None and (now - arrived).total_seconds() < cfg.settle_s:
                break
            await self.compute(monitor, start)
            computed += 1
        return computed

    async def compute(self, monitor: Monitor, start: datetime) -> list[SegmentResult]:
        """One window: read both sides, compare them in the worker process, store the results."""
        cfg = monitor.config
        began = time.perf_counter()
        end = start + timedelta(seconds=cfg.window_s)
        current_side = frames.Side(monitor.project_id, start, end)
        current = await asyncio.to_thread(frames.read, self.store, current_side, cfg.max_rows)
        reference = await asyncio.to_thread(frames.read, self.store, self._reference(monitor, start), cfg.max_rows)
        if current.empty or reference.empty:
            found = [SegmentResult(ALL, "insufficient_data", len(current), len(reference), cfg.drift_share)]
        else:
            seed = int(start.timestamp()) % 2**31
            found = await self.pool.run(compute_window, current, reference, cfg.model_dump(mode="json"), seed)
        key = results.WindowKey(
            monitor.project_id, monitor.monitor_id, start, end, cfg.reference.describe(cfg.window_s)
        )
        await asyncio.to_thread(results.write, self.store, key, found)
        telemetry.drift_window(time.perf_counter() - began, (r.status for r in found))
        log.info(
            "drift %s/%s %s: %s",
            monitor.project_id,
            monitor.monitor_id,
            start.isoformat(),
            ", ".join(f"{r.segment}={r.status}" for r in found),
        )
        return found

    def _reference(self, monitor: Monitor, start: datetime) -> frames.Side:
        ref = monitor.config.reference
        ref_start, ref_end = windows.reference_range(monitor.config, start)
        return frames.Side(monitor.project_id, ref_start, ref_end, ref.dataset_id, ref.version)


async def _until_stopped(work: Coroutine[Any, Any, Any], stop: asyncio.Event) -> None:
    """Run `work`, cancelled as soon as `stop` is set: shutting down never waits for a window to finish."""
    task, stopped = asyncio.ensure_future(work), asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for pending in (task, stopped):
        pending.cancel()
    if not task.cancelled() and task.done():
        task.result()
