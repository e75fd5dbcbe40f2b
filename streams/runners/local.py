"""Local mode's runner: tails the raw inference table as its log, in the API's own process."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pydantic import ValidationError

from telltale_server.schemas.rows import inference_event
from telltale_server.schemas.store import Store
from telltale_server.streams import telemetry
from telltale_server.streams.deadletter import DeadLetter
from telltale_server.streams.pipeline import Pipeline, ProjectEvent
from telltale_server.streams.sink import Sink

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class LocalRunner:
    """Evaluates events after its checkpoint, stores the evaluations, then moves the checkpoint.

    `received_at` is the log offset: the ingest gives every write a strictly later one, so the events
    after the checkpoint are exactly those not yet processed. The table is the source of truth; the
    batches the ingest `offer`s right after writing are a cache of its tail that spares re-reading it.
    The runner reads the table whenever it may have missed something (at start, after an overflow or
    a failed step) and uses the cache once caught up. A crash between the store and the checkpoint
    re-evaluates at most one interval of events, and the evaluations table absorbs the repeat.
    """

    name = "local.evaluate"

    def __init__(
        self,
        store: Store,
        pipeline: Pipeline,
        sink: Sink,
        batch_size: int = 2000,
        idle_poll_s: float = 1.0,
        checkpoint_interval_s: float = 1.0,
        max_cached_events: int = 100_000,
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.sink = sink
        self.batch_size = batch_size
        self.idle_poll_s = idle_poll_s
        self.checkpoint_interval_s = checkpoint_interval_s
        self.max_cached_events = max_cached_events
        self.position = self._load_position()
        self.processed = 0
        self._saved_position = self.position
        self._saved_at = time.monotonic()
        self._wake = asyncio.Event()
        self._cache: deque[tuple[datetime, list[ProjectEvent]]] = deque()
        self._cached_events = 0
        self._cache_lock = threading.Lock()
        self._behind = True
        self.listeners: list[Callable[[], None]] = []
        """Told (from the runner's thread) after each batch's evaluations are stored: e.g. wake the alert engine."""

    def offer(self, received_at: datetime, batch: Sequence[ProjectEvent]) -> None:
        """Told by the ingest, in write order, right after a durable write of `batch` at `received_at`."""
        with self._cache_lock:
            if self._cached_events + len(batch) > self.max_cached_events:
                self._cache.clear()
                self._cached_events = 0
                self._behind = True
            else:
                self._cache.append((received_at, list(batch)))
                self._cached_events += len(batch)
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Process until `stop` is set; sleeps when caught up, wakes on new writes or every poll interval."""
        try:
            while not stop.is_set():
                try:
                    count = await asyncio.to_thread(self.step)
                except Exception:
                    log.exception("local runner step failed; retrying from the table")
                    self._behind = True
                    count = 0
                    await asyncio.sleep(self.idle_poll_s)
                if count == 0:
                    self._wake.clear()
                    waiter = asyncio.ensure_future(self._wake.wait())
                    stopper = asyncio.ensure_future(stop.wait())
                    await asyncio.wait({waiter, stopper}, timeout=self.idle_poll_s, return_when=asyncio.FIRST_COMPLETED)
                    waiter.cancel()
                    stopper.cancel()
        finally:
            await asyncio.to_thread(self.checkpoint)

    def drain(self) -> int:
        """Process everything already stored; returns how many events that was."""
        total = 0
        while count := self.step():
            total += count
        self.checkpoint()
        return total

    def step(self) -> int:
        """One batch, from the cache when caught up, else from the table. Returns the number of events."""
        if self._behind:
            return self._step_from_table()
        with self._cache_lock:
            batch, last = [], None
            while self._cache and len(batch) < self.batch_size:
                received_at, events = self._cache.popleft()
                self._cached_events -= len(events)
                if received_at > self.position:
                    batch.extend(events)
                    last = received_at
        if last is None:
            return 0
        self._process(batch, [], last)
        return len(batch)

    def _step_from_table(self) -> int:
        rows = self.store.rows(
            "SELECT * FROM inference_events WHERE received_at > {position:DateTime64(6, 'UTC')} "
            "ORDER BY received_at LIMIT {limit:UInt32} WITH TIES",
            {"position": self.position, "limit": self.batch_size},
        )
        if not rows:
            self._behind = False
            return 0
        batch, broken = [], []
        for row in rows:
            try:
                batch.append(ProjectEvent(row["project_id"], inference_event(row)))
            except ValidationError as error:
                broken.append(_unreadable(row, error))
        self._process(batch, broken, max(row["received_at"] for row in rows))
        return len(rows)

    def _process(self, batch: list[ProjectEvent], broken: list[DeadLetter], last: datetime) -> None:
        self.sink.evaluations(self.pipeline.evaluate(batch))
        self.sink.dead_letters(broken)
        self.position = last
        self.processed += len(batch) + len(broken)
        telemetry.EVALUATED.labels("local").inc(len(batch))
        for listener in self.listeners:
            listener()
        if time.monotonic() - self._saved_at >= self.checkpoint_interval_s:
            self.checkpoint()

    def backlog(self) -> int:
        """Stored events not yet evaluated: the local runner's lag."""
        return self.standing()[0]

    def standing(self) -> tuple[int, float]:
        """Stored events not yet evaluated, and the age in seconds of the oldest of them (0 when caught up)."""
        rows = self.store.rows(
            "SELECT count() AS n, min(received_at) AS oldest FROM inference_events "
            "WHERE received_at > {position:DateTime64(6, 'UTC')}",
            {"position": self.position},
        )
        count, oldest = rows[0]["n"], rows[0]["oldest"]
        return count, (datetime.now(UTC) - oldest.replace(tzinfo=UTC)).total_seconds() if count else 0.0

    def checkpoint(self) -> None:
        """Persist the position, so a restart resumes here."""
        if self.position == self._saved_position:
            return
        now = datetime.now(UTC)
        self.store.client().insert(
            "runner_checkpoints", [[self.name, self.position, now]], column_names=["runner", "position", "updated_at"]
        )
        self._saved_position = self.position
        self._saved_at = time.monotonic()

    def _load_position(self) -> datetime:
        rows = self.store.rows(
            "SELECT position FROM runner_checkpoints FINAL WHERE runner = {runner:String}", {"runner": self.name}
        )
        return rows[0]["position"] if rows else EPOCH


def _unreadable(row: dict, error: ValidationError) -> DeadLetter:
    """A stored row that no longer validates (a contract change without a migration): keep it, say why."""
    return DeadLetter(
        project_id=row["project_id"],
        source="runner:local",
        kind="inference",
        reason=f"stored event no longer validates: {error.error_count()} error(s)",
        raw=repr(row).encode(),
        event_id=str(row["event_id"]),
    )
