"""The event log the ingest appends to. Local mode's log is the raw tables in the embedded store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.rows import feedback_row, inference_row
from telltale_server.schemas.store import Store
from telltale_server.services.ingest.known import fresh
from telltale_server.streams.deadletter import DeadLetter
from telltale_server.streams.pipeline import ProjectEvent
from telltale_server.streams.sink import Sink

Kind = Literal["inference", "feedback"]
Event = InferenceEvent | FeedbackEvent
TABLES: dict[Kind, str] = {"inference": "inference_events", "feedback": "feedback_events"}


class LogUnavailableError(RuntimeError):
    """The log cannot take events right now (e.g. the broker is down); nothing was acknowledged, retry later."""

    def __init__(self, message: str, retry_after_s: int = 5) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class EventLog(Protocol):
    """Where accepted events go; `append` returns only after they are durable."""

    async def append(self, project_id: str, kind: Kind, events: Sequence[Event]) -> list[bool]:
        """Append the events; True for each one newly written, False for a duplicate of a known event_id.

        Raises LogUnavailableError when the log cannot make them durable now.
        """
        ...

    async def dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep refused input with its reason."""
        ...


class StoreEventLog:
    """Appends to the raw tables, one write at a time, so `received_at` orders the log for the runner.

    `on_inference` hears of each inference write, in write order, while the write lock is still held.
    """

    def __init__(
        self, store: Store, sink: Sink, on_inference: Callable[[datetime, list[ProjectEvent]], None] | None = None
    ) -> None:
        self.store = store
        self.sink = sink
        self.on_inference = on_inference
        self._lock = asyncio.Lock()
        self._last = self._latest_received_at()

    async def append(self, project_id: str, kind: Kind, events: Sequence[Event]) -> list[bool]:
        async with self._lock:
            received_at, written = await asyncio.to_thread(self._append, project_id, kind, events)
            if kind == "inference" and self.on_inference is not None and any(written):
                fresh = [
                    ProjectEvent(project_id, event)
                    for event, new in zip(events, written, strict=True)
                    if new and isinstance(event, InferenceEvent)
                ]
                self.on_inference(received_at, fresh)
        return written

    async def dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        if letters:
            await asyncio.to_thread(self.sink.dead_letters, letters)

    def _append(self, project_id: str, kind: Kind, events: Sequence[Event]) -> tuple[datetime, list[bool]]:
        flags = fresh(self.store, project_id, TABLES[kind], events)
        received_at = self._next_received_at()
        new = [event for event, is_new in zip(events, flags, strict=True) if is_new]
        if kind == "inference":
            self.sink.inference([inference_row(project_id, e, received_at) for e in new])  # type: ignore[arg-type]  # kind says which contract the events are; the union is narrowed by it, not by type
        else:
            self.sink.feedback([feedback_row(project_id, e, received_at) for e in new])  # type: ignore[arg-type]  # kind says which contract the events are; the union is narrowed by it, not by type
        return received_at, flags

    def _next_received_at(self) -> datetime:
        """Wall-clock time, nudged forward if needed, so every write's offset is strictly after the last."""
        now = datetime.now(UTC)
        self._last = max(now, self._last + timedelta(microseconds=1))
        return self._last

    def _latest_received_at(self) -> datetime:
        rows = self.store.rows("SELECT max(received_at) AS last FROM inference_events")
        return rows[0]["last"].replace(tzinfo=UTC)
