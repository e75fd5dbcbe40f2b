"""The continuous-curation job: append new matching events to continuous datasets' drafts, freeze on schedule."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from telltale_server.schemas.store import Store
from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.draft import append
from telltale_server.services.datasets.spec import Dataset
from telltale_server.services.datasets.versions import content_hash, freeze, versions
from telltale_server.streams.health import HealthLog
from telltale_server.streams.periodic import repeat

JOB = "curation"
SCHEDULER = "schedule"
"""`created_by` of versions the job froze, so they can be told from ones a person asked for."""


class CurationJob:
    """A background Job: every `interval_s`, one pass over every project's continuous datasets."""

    name = "datasets"

    def __init__(self, store: Store, interval_s: float = 30.0, gate: Callable[[], bool] | None = None) -> None:
        self.store = store
        self.interval_s = interval_s
        self.gate = gate
        """Cluster mode: pass only while this returns True (the process holds the curation lease)."""
        self.health = HealthLog(store, JOB)
        self.passes = 0

    def tick(self, now: datetime) -> dict[str, int]:
        """Append to each draft, then freeze those whose schedule is due and whose draft changed; one bad
        dataset never stops the rest. Returns dataset id -> items appended."""
        appended: dict[str, int] = {}
        datasets, unreadable = DatasetCatalog(self.store).continuous()
        for broken in unreadable:
            self.health.failed(broken.project_id, broken.id, broken.error)
        for dataset in datasets:
            try:
                appended[dataset.id] = append(self.store, dataset, now)
                if self._due(dataset, now):
                    freeze(self.store, dataset, SCHEDULER, now)
            except Exception as error:
                self.health.failed(dataset.project_id, dataset.id, error)
                continue
            self.health.succeeded(dataset.project_id, dataset.id)
        self.passes += 1
        return appended

    def _due(self, dataset: Dataset, now: datetime) -> bool:
        """A schedule, its interval passed since the last version, and a draft grown since (drafts only grow)."""
        if dataset.schedule is None:
            return False
        frozen = versions(self.store, dataset.project_id, dataset.id)
        if not frozen:
            return True
        last = frozen[-1]
        if now - last.created_at < timedelta(seconds=dataset.schedule):
            return False
        count, _ = content_hash(self.store, dataset.project_id, dataset.id, 0)
        return count > last.item_count

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass until `stop`."""
        await repeat(
            lambda: asyncio.to_thread(self.tick, datetime.now(UTC)),
            stop,
            what="dataset curation",
            interval_s=self.interval_s,
            gate=self.gate,
        )
