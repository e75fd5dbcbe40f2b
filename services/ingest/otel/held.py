"""Spans of traces still being assembled, kept in the store so that a restart loses none of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from telltale_server.schemas.store import Store
from telltale_server.services.ingest.otel.traces import Retrieval


@dataclass(frozen=True)
class HeldCall:
    """An LLM call's event (without contexts) waiting for its trace's retriever span."""

    project_id: str
    trace_id: str
    span_id: str
    start_ns: int
    event: dict[str, Any]
    held_at: datetime


class HeldSpans:
    """Held LLM calls and retrievals waiting for later calls, one small table each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.exclusive = store.embedded
        """The embedded store has one owner process, so this process's view of held traces is the whole truth."""
        self._traces: set[tuple[str, str]] | None = None

    def hold(self, calls: Sequence[HeldCall]) -> None:
        """Keep calls until released; holding one again (an exporter's retry) keeps one copy."""
        self._insert_calls(calls, released=0)
        self._known().update((c.project_id, c.trace_id) for c in calls)

    def release(self, calls: Sequence[HeldCall]) -> None:
        """Forget calls whose events were emitted."""
        self._insert_calls(calls, released=1)
        self._known().difference_update((c.project_id, c.trace_id) for c in calls)

    def holding(self, project_id: str, trace_ids: Iterable[str]) -> list[str]:
        """Which of these traces have calls held by this process (read from the store once, then kept in memory),
        so an export of traces that never waited asks the store nothing. Another process's held calls are
        released by its own exports or by the end of its hold."""
        known = self._known()
        return [trace_id for trace_id in trace_ids if (project_id, trace_id) in known]

    def idle(self) -> bool:
        """True when nothing can be held: this process owns the store and holds no call (the expiry job then
        asks the store nothing)."""
        return self.exclusive and not self._known()

    def _known(self) -> set[tuple[str, str]]:
        if self._traces is None:
            rows = self.store.rows("SELECT DISTINCT project_id, trace_id FROM otel_held_calls FINAL")
            self._traces = {(row["project_id"], row["trace_id"]) for row in rows}
        return self._traces

    def held(self, project_id: str, trace_ids: Sequence[str]) -> list[HeldCall]:
        """The calls of these traces still held."""
        if not trace_ids:
            return []
        rows = self.store.rows(
            "SELECT project_id, trace_id, span_id, start_ns, event, held_at FROM otel_held_calls FINAL "
            "WHERE project_id = {p:String} AND trace_id IN {t:Array(String)}",
            {"p": project_id, "t": list(trace_ids)},
        )
        return [_call(row) for row in rows]

    def expired(self, held_before: datetime, limit: int = 1000) -> list[HeldCall]:
        """Calls of any project held since before `held_before`, oldest first."""
        rows = self.store.rows(
            "SELECT project_id, trace_id, span_id, start_ns, event, held_at FROM otel_held_calls FINAL "
            "WHERE held_at <= {t:DateTime64(6, 'UTC')} ORDER BY held_at LIMIT {n:UInt32}",
            {"t": held_before, "n": limit},
        )
        return [_call(row) for row in rows]

    def keep_retrievals(self, project_id: str, retrievals: Sequence[Retrieval]) -> None:
        """Keep retrievals for calls of their traces that arrive later."""
        if not retrievals:
            return
        now = datetime.now(UTC)
        rows = [
            [project_id, r.trace_id, r.span_id, r.start_ns, r.end_ns, orjson.dumps(r.passages).decode(), now]
            for r in retrievals
        ]
        columns = ["project_id", "trace_id", "span_id", "start_ns", "end_ns", "passages", "received_at"]
        self.store.client().insert("otel_retrievals", rows, column_names=columns)

    def retrievals(self, project_id: str, trace_ids: Sequence[str]) -> list[Retrieval]:
        """The kept retrievals of these traces."""
        if not trace_ids:
            return []
        rows = self.store.rows(
            "SELECT trace_id, span_id, start_ns, end_ns, passages FROM otel_retrievals FINAL "
            "WHERE project_id = {p:String} AND trace_id IN {t:Array(String)}",
            {"p": project_id, "t": list(trace_ids)},
        )
        return [
            Retrieval(r["trace_id"], r["span_id"], r["start_ns"], r["end_ns"], orjson.loads(r["passages"]))
            for r in rows
        ]

    def _insert_calls(self, calls: Sequence[HeldCall], released: int) -> None:
        if not calls:
            return
        now = datetime.now(UTC)
        rows = [
            [c.project_id, c.trace_id, c.span_id, c.start_ns, orjson.dumps(c.event).decode(), c.held_at, now, released]
            for c in calls
        ]
        columns = ["project_id", "trace_id", "span_id", "start_ns", "event", "held_at", "version", "released"]
        self.store.client().insert("otel_held_calls", rows, column_names=columns)


def _call(row: dict[str, Any]) -> HeldCall:
    held_at = row["held_at"]
    return HeldCall(
        row["project_id"],
        row["trace_id"],
        row["span_id"],
        row["start_ns"],
        orjson.loads(row["event"]),
        held_at if held_at.tzinfo else held_at.replace(tzinfo=UTC),
    )
