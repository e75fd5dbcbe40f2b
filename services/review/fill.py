"""Queues fill from production: each pass takes in the sampled events that match a queue's filter and it lacks.

The filter is a dataset query turned into SQL by the datasets' own `where`, so there is one filter language.
Sampling hashes the event id with the queue's seed: an event is in or out of the sample for good, so a pass
re-running over the same window never draws again what it left out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from telltale_server.schemas.store import Store
from telltale_server.services.datasets.filters import Clause, where
from telltale_server.services.review.catalog import QueueCatalog
from telltale_server.services.review.schema import Queue
from telltale_server.streams.health import HealthLog
from telltale_server.streams.periodic import repeat

JOB = "review-queues"
PASS_LIMIT = 1000
"""Items one pass adds to a queue at most: a new queue over a long history fills over several passes."""
SAMPLE_SCALE = 1_000_000


def size(store: Store, project_id: str, queue_id: str) -> int:
    return int(
        store.command(
            "SELECT count() FROM review_items FINAL WHERE project_id = {p:String} AND queue_id = {q:String}",
            {"p": project_id, "q": queue_id},
        )
    )


def fill(store: Store, queue: Queue, now: datetime | None = None) -> int:
    """Add the queue's new matching, sampled events (oldest first, up to `PASS_LIMIT`); returns how many."""
    room = PASS_LIMIT
    if queue.max_items is not None:
        room = min(room, queue.max_items - size(store, queue.project_id, queue.id))
    if room <= 0:
        return 0
    clause = Clause()
    conditions = where(queue.project_id, queue.filter.resolved(now or datetime.now(UTC)), clause)
    p, q = clause.bind(queue.project_id, "String"), clause.bind(queue.id, "String")
    seed = clause.bind(queue.seed, "UInt64")
    share = clause.bind(round(queue.sample_rate * SAMPLE_SCALE), "UInt64")
    before = size(store, queue.project_id, queue.id)
    store.command(
        "INSERT INTO review_items (project_id, queue_id, event_id, event_ts, added_at) "
        f"SELECT {p}, {q}, event_id, ts, now64(3) FROM inference_events FINAL WHERE {conditions} "
        f"AND sipHash64(toString(event_id), {seed}) % {SAMPLE_SCALE} < {share} "
        f"AND event_id NOT IN (SELECT event_id FROM review_items WHERE project_id = {p} AND queue_id = {q}) "
        f"ORDER BY ts, event_id LIMIT {clause.bind(room, 'UInt64')}",
        clause.params,
    )
    return size(store, queue.project_id, queue.id) - before


class QueueFillJob:
    """A background Job: every `interval_s`, one fill pass over every project's queues."""

    name = "review-queues"

    def __init__(self, store: Store, interval_s: float = 30.0, gate: Callable[[], bool] | None = None) -> None:
        self.store = store
        self.interval_s = interval_s
        self.gate = gate
        """Cluster mode: pass only while this returns True (the process holds the lease)."""
        self.health = HealthLog(store, JOB)

    def tick(self, now: datetime) -> dict[str, int]:
        """Fill each queue; one bad queue never stops the rest. Returns queue id -> items added."""
        added: dict[str, int] = {}
        queues, unreadable = QueueCatalog(self.store).every()
        for broken in unreadable:
            self.health.failed(broken.project_id, broken.id, broken.error)
        for queue in queues:
            try:
                added[queue.id] = fill(self.store, queue, now)
            except Exception as error:
                self.health.failed(queue.project_id, queue.id, error)
                continue
            self.health.succeeded(queue.project_id, queue.id)
        return added

    async def run(self, stop: asyncio.Event) -> None:
        await repeat(
            lambda: asyncio.to_thread(self.tick, datetime.now(UTC)),
            stop,
            what="review queue fill",
            interval_s=self.interval_s,
            gate=self.gate,
        )
