"""Local mode's runner: tails the raw inference table as its log and feeds the evaluator processes."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from telltale_server.schemas.rows import inference_event
from telltale_server.schemas.store import Store
from telltale_server.streams import telemetry
from telltale_server.streams.deadletter import DeadLetter
from telltale_server.streams.evaluators.policy import PolicySource
from telltale_server.streams.periodic import repeat
from telltale_server.streams.pipeline import ProjectEvent
from telltale_server.streams.runners.gaps import Gaps
from telltale_server.streams.runners.overload import Overload
from telltale_server.streams.runners.pool import Scoring
from telltale_server.streams.runners.scoring import Scored, Task, snapshot
from telltale_server.streams.sink import Sink

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Received = tuple[datetime, ProjectEvent]
"""An event with its log offset (`received_at`)."""


@dataclass
class _InFlight:
    """A task handed to the evaluators, in log order; `position` is set on the last task of a read, which
    covers the log after `after` up to it; the read's tasks share one count of the events they skipped."""

    future: Future[Scored]
    events: int
    after: datetime
    position: datetime | None
    skipped: Counter[tuple[str, str]]
    written: bool = False


class LocalRunner:
    """Scores events after its checkpoint through the evaluator processes, stores the rows, moves the checkpoint.

    `received_at` is the log offset: the ingest gives every write a strictly later one, so the events
    after the checkpoint are exactly those not yet scored. The table is the source of truth; the batches
    the ingest `offer`s right after writing are a cache of its tail that spares re-reading it. The runner
    reads the table whenever it may have missed something (at start, after an overflow or a failed task)
    and uses the cache once caught up. Several chunks are in flight at once, one per evaluator process and
    one waiting; rows are stored as each chunk returns, and the checkpoint moves over the chunks that all
    returned, so a crash re-scores at most what was in flight, and the evaluations table absorbs the repeat.
    """

    name = "local.evaluate"

    def __init__(
        self,
        store: Store,
        scoring: Scoring,
        sink: Sink,
        names: Sequence[str],
        policies: PolicySource | None = None,
        overload: Overload | None = None,
        batch_size: int = 2000,
        chunk_size: int = 100,
        idle_poll_s: float = 1.0,
        checkpoint_interval_s: float = 1.0,
        max_cached_events: int = 100_000,
    ) -> None:
        self.store = store
        self.scoring = scoring
        self.sink = sink
        self.policies = policies
        self.overload = overload
        self.gaps = Gaps(store, names)
        self.batch_size = batch_size
        self.chunk_size = chunk_size
        self.idle_poll_s = idle_poll_s
        self.checkpoint_interval_s = checkpoint_interval_s
        self.max_cached_events = max_cached_events
        self.position = self._load_position()
        self.processed = 0
        """Events scored since start, counted as each chunk's rows are stored."""
        self._read_to = self.position
        self._saved_position = self.position
        self._saved_at = time.monotonic()
        self._window: deque[_InFlight] = deque()
        self._wake = asyncio.Event()
        self._cache: deque[tuple[datetime, list[ProjectEvent]]] = deque()
        self._cached_events = 0
        self._cache_lock = threading.Lock()
        self._overflows = 0
        self._behind = True
        self._fresh: Future[None] = Future()
        """Done when the ingest offers events: wakes a runner waiting on its chunks to feed the idle processes."""
        self._stopping = False
        self.listeners: list[Callable[[], None]] = []
        """Told (from the runner's thread) after each chunk's evaluations are stored: e.g. wake the alert engine."""

    def offer(self, received_at: datetime, batch: Sequence[ProjectEvent]) -> None:
        """Told by the ingest, in write order, right after a durable write of `batch` at `received_at`."""
        with self._cache_lock:
            if self._cached_events + len(batch) > self.max_cached_events:
                self._cache.clear()
                self._cached_events = 0
                self._overflows += 1
                self._behind = True
            else:
                self._cache.append((received_at, list(batch)))
                self._cached_events += len(batch)
            if not self._fresh.done():
                self._fresh.set_result(None)
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Score until `stop` is set; sleeps when caught up, wakes on new writes or every poll interval.
        On stop, in-flight chunks are abandoned (they stay after the checkpoint) and the checkpoint saved."""
        watcher = asyncio.ensure_future(self._watch(stop))
        try:
            await repeat(self._pass, stop, what="local runner", interval_s=self.idle_poll_s, wake=self._wake)
        finally:
            watcher.cancel()
            await asyncio.to_thread(self.checkpoint)

    async def _pass(self) -> bool:
        """One step off the event loop; True while busy. A failed step restarts from the stored checkpoint."""
        try:
            return await asyncio.to_thread(self.step)
        except Exception:
            self._restart_from_checkpoint()
            raise

    async def _watch(self, stop: asyncio.Event) -> None:
        """Tell the runner's thread when stopping, so a backfill gives up between chunks."""
        await stop.wait()
        self._stopping = True

    def drain(self, backfill: bool = True) -> int:
        """Score everything already stored (and backfill what the overload sample skipped, unless told not to);
        returns how many events that was."""
        before = self.processed
        while self.step(backfill):
            pass
        self.checkpoint()
        return self.processed - before

    def step(self, backfill: bool = True) -> bool:
        """Feed the evaluators, store what came back; True while there is work in flight or to backfill."""
        with self._cache_lock:
            if self._fresh.done():
                self._fresh = Future()
        self._feed()
        if not self._window:
            return backfill and self._backfill()
        waiting: list[Future[Any]] = [item.future for item in self._window if not item.written]
        if len(self._window) < 2 * self.scoring.size:
            waiting.append(self._fresh)  # a process is idle: new events should reach it at once
        wait(waiting, timeout=self.idle_poll_s, return_when=FIRST_COMPLETED)
        self._collect()
        return True

    def in_flight(self) -> int:
        """Events handed to the evaluators and not yet stored."""
        return sum(item.events for item in list(self._window) if not item.written)

    def status(self) -> dict[str, object]:
        """Where scoring stands, for /ready and /metrics: events scored since start (moving with every chunk),
        the backlog in events and in seconds (age of the oldest unscored event), events in flight, and
        events the overload sample left to the backfill, per evaluator."""
        backlog, lag_s, _ = self.standing()
        unscored = self.gaps.unscored()
        telemetry.evaluation_progress("local", backlog, lag_s)
        telemetry.unscored(unscored, self.gaps.names)
        return {
            "processed": self.processed,
            "backlog": backlog,
            "lag_seconds": round(lag_s, 3),
            "in_flight": self.in_flight(),
            "workers": self.scoring.size,
            "overload": self.overload.policy if self.overload is not None else "keep",
            "sampling": bool(self.overload and self.overload.sampling()),
            "unscored": unscored,
        }

    def backlog(self) -> int:
        """Stored events not yet evaluated: the local runner's lag."""
        return self.standing()[0]

    def standing(self, project_id: str | None = None) -> tuple[int, float, datetime | None]:
        """Stored events (of one project, or all) not yet evaluated, the age in seconds of the oldest of them
        (0 when caught up), and the earliest event time among them (charts after it are incomplete)."""
        rows = self.store.rows(
            "SELECT count() AS n, min(received_at) AS oldest, min(ts) AS first_ts FROM inference_events "
            "WHERE received_at > {position:DateTime64(6, 'UTC')}"
            + (" AND project_id = {p:String}" if project_id is not None else ""),
            {"position": self.position, "p": project_id},
        )
        count, oldest = rows[0]["n"], rows[0]["oldest"]
        if not count:
            return 0, 0.0, None
        lag = (datetime.now(UTC) - oldest.replace(tzinfo=UTC)).total_seconds()
        return count, max(0.0, lag), rows[0]["first_ts"].replace(tzinfo=UTC)

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

    def _feed(self) -> None:
        """Hand out chunks until each evaluator process has one running and one waiting."""
        while len(self._window) < 2 * self.scoring.size:
            read = self._read_table() if self._behind else self._read_cache()
            if read is None:
                return
            events, last = read
            self._submit(events, self._read_to, last)
            self._read_to = last

    def _read_cache(self) -> tuple[list[Received], datetime] | None:
        events: list[Received] = []
        with self._cache_lock:
            while self._cache and len(events) < self.chunk_size:
                received_at, batch = self._cache.popleft()
                self._cached_events -= len(batch)
                if received_at > self._read_to:
                    events += [(received_at, item) for item in batch]
        return (events, events[-1][0]) if events else None

    def _read_table(self) -> tuple[list[Received], datetime] | None:
        with self._cache_lock:
            overflows = self._overflows
        free = 2 * self.scoring.size - len(self._window)
        rows = self.store.rows(
            "SELECT * FROM inference_events WHERE received_at > {position:DateTime64(6, 'UTC')} "
            "ORDER BY received_at LIMIT {limit:UInt32} WITH TIES",
            {"position": self._read_to, "limit": min(self.batch_size, max(1, free) * self.chunk_size)},
        )
        if not rows:
            with self._cache_lock:
                if self._overflows == overflows:  # no overflow dropped cached events while the table was read
                    self._behind = False
            return None
        events, broken = [], []
        for row in rows:
            try:
                events.append((row["received_at"], ProjectEvent(row["project_id"], inference_event(row))))
            except ValidationError as error:
                broken.append(_unreadable(row, error))
        self.sink.dead_letters(broken)
        self.processed += len(broken)
        return events, max(row["received_at"] for row in rows)

    def _submit(self, events: list[Received], after: datetime, last: datetime) -> None:
        """Split one read into chunks; only the last carries the read's position (its end may be a whole write)."""
        chunks = [events[i : i + self.chunk_size] for i in range(0, len(events), self.chunk_size)] or [[]]
        sample = None
        if self.overload is not None:
            self.overload.observe(self)
            sample = self.overload.sample()
        skipped: Counter[tuple[str, str]] = Counter()
        for index, chunk in enumerate(chunks):
            batch = [item for _, item in chunk]
            future = self.scoring.submit(Task(batch, snapshot(self.policies, batch), sample)) if batch else _nothing()
            position = last if index == len(chunks) - 1 else None
            self._window.append(_InFlight(future, len(batch), after, position, skipped))

    def _collect(self) -> None:
        """Store every returned chunk's rows, then move the position over the chunks that all returned."""
        for item in list(self._window):
            if item.written or not item.future.done():
                continue
            scored = item.future.result()  # a failed chunk raises: the run loop starts over from the checkpoint
            self.sink.encoded_evaluations(scored.rows)
            item.skipped.update(scored.skipped)
            item.written = True
            self.processed += item.events
            telemetry.EVALUATED.labels("local").inc(item.events)
            for listener in self.listeners:
                listener()
        while self._window and self._window[0].written:
            done = self._window.popleft()
            if done.position is not None:
                if done.skipped and self.overload is not None:
                    self.gaps.record(done.after, done.position, self.overload.rate, done.skipped)
                self.position = done.position
        if time.monotonic() - self._saved_at >= self.checkpoint_interval_s:
            self.checkpoint()

    def _backfill(self) -> bool:
        """Caught up: score one stretch that the overload sample skipped, if any. True if there was one."""
        if self.overload is None or self.overload.sampling():
            return False
        return self.gaps.fill_next(self.scoring, self.sink, self.chunk_size, self.policies, lambda: self._stopping)

    def _restart_from_checkpoint(self) -> None:
        """After a failed chunk: forget what is in flight and read the table again from the position."""
        self._window.clear()
        self._read_to = self.position
        self._behind = True

    def _load_position(self) -> datetime:
        rows = self.store.rows(
            "SELECT position FROM runner_checkpoints FINAL WHERE runner = {runner:String}", {"runner": self.name}
        )
        return rows[0]["position"] if rows else EPOCH


def _nothing() -> Future[Scored]:
    """A read whose rows were all unreadable still moves the position."""
    future: Future[Scored] = Future()
    future.set_result(Scored(b"[]", 0))
    return future


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
