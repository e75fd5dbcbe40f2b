"""One trace: every call of the project with the same trace_id, as a span tree with timings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.events.search import question
from telltale_server.services.events.together import calls_with

MAX_SPANS = 1000


class Span(BaseModel):
    """A call in its trace: where it sits in the tree and when it ran."""

    event_id: UUID
    span_id: str
    parent_span_id: str
    depth: int = Field(description="0 for a root; a child is one deeper than the span whose span_id it names.")
    start: datetime = Field(description="The call's `ts` (when it started).")
    offset_ms: float = Field(description="Milliseconds from the trace's first start to this call's start.")
    duration_ms: float | None = Field(description="The call's latency_ms; null when it reported none.")
    model: str
    route: str
    status: str
    error: str
    question: str
    session_id: str


class Trace(BaseModel):
    trace_id: str
    start: datetime
    duration_ms: float = Field(description="From the first start to the last end (start + duration).")
    spans: list[Span] = Field(description="Depth first, children after their parent and siblings in time order.")
    truncated: bool = Field(description=f"The trace has more than {MAX_SPANS} calls; the first ones are shown.")


def trace(store: Store, project_id: str, trace_id: str) -> Trace | None:
    """The project's calls of the trace as a tree, or None when it has none."""
    columns = "event_id, span_id, parent_span_id, ts, latency_ms, model, route, status, error, session_id"
    columns += f", {question()}"
    rows, truncated = calls_with(store, project_id, "trace_id", trace_id, columns, MAX_SPANS)
    if not rows:
        return None
    first = rows[0]["ts"]
    spans = [
        Span(
            **{name: row[name] or "" for name in ("span_id", "parent_span_id", "error", "question", "session_id")},
            event_id=row["event_id"],
            depth=depth,
            start=row["ts"],
            offset_ms=(row["ts"] - first).total_seconds() * 1000,
            duration_ms=row["latency_ms"],
            model=row["model"],
            route=row["route"],
            status=row["status"],
        )
        for row, depth in tree_order(rows)
    ]
    last = max(s.offset_ms + (s.duration_ms or 0) for s in spans)
    return Trace(trace_id=trace_id, start=first, duration_ms=last, spans=spans, truncated=truncated)


def tree_order(rows: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], int]]:
    """Rows (in time order) depth first with their depth: a row's parent is the row whose span_id its parent_span_id
    names; rows without one in the trace (no ids, a parent not sent, a cycle) are roots, in time order."""
    by_span = {row["span_id"]: i for i, row in reversed(list(enumerate(rows))) if row["span_id"]}
    children: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        parent = by_span.get(row["parent_span_id"]) if row["parent_span_id"] else None
        if parent is not None and parent != i:
            children.setdefault(parent, []).append(i)
    seen: set[int] = set()
    has_parent = {child for kids in children.values() for child in kids}
    starts = [i for i in range(len(rows)) if i not in has_parent] + list(range(len(rows)))
    for start in starts:  # roots first; then a cycle, which has no root, from its earliest call
        stack = [(start, 0)]
        while stack:
            i, depth = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            yield rows[i], depth
            stack.extend((child, depth + 1) for child in reversed(children.get(i, [])))
