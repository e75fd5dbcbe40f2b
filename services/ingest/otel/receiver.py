"""The OTLP use case, free of HTTP: map spans by convention, join calls with their trace's retrievals, hold calls
whose retrieval may still come, emit events through the ingest, dead-letter spans that cannot be mapped."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telltale_server.schemas.events import RETRIEVAL_ATTRIBUTE, RETRIEVAL_JOINED
from telltale_server.services.ingest.batch import RawItem
from telltale_server.services.ingest.otel.conventions import classify
from telltale_server.services.ingest.otel.decode import Span
from telltale_server.services.ingest.otel.event import to_event
from telltale_server.services.ingest.otel.held import HeldCall, HeldSpans
from telltale_server.services.ingest.otel.traces import Retrieval, contexts, feeding
from telltale_server.services.ingest.service import CONTRACTS, IngestOutcome, IngestService
from telltale_server.services.ingest.validate import validate
from telltale_server.streams import telemetry

SOURCE = "http:/v1/traces"


@dataclass(frozen=True)
class SpanItem(RawItem):
    """An LLM span as an ingest item: its event, or why it could not be mapped; its dead letter is the span."""

    span: Span | None = None

    def original(self) -> bytes:
        return self.span.original() if self.span is not None else super().original()


@dataclass
class TraceOutcome:
    """What became of an export's spans: the ingest's per-item outcome of the calls emitted, and counts."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, result: IngestOutcome) -> None:
        self.accepted += result.accepted
        self.duplicates += result.duplicates
        self.rejected += result.rejected
        for item in result.items:
            if item["status"] == "rejected" and item["errors"]:
                error = item["errors"][0]
                where = f"{error['field']}: " if error["field"] else ""
                self.errors.append(f"span {item['index']}: {where}{error['reason']}")


@dataclass
class _Call:
    """An LLM span and its ingest item (whose event gets the passages when they are found)."""

    item: SpanItem
    span: Span


class TraceReceiver:
    """One per process; a lock keeps two exports of one trace from each missing the other's half."""

    def __init__(self, ingest: IngestService, held: HeldSpans, hold_s: float) -> None:
        self.ingest = ingest
        self.held = held
        self.hold_s = hold_s
        self._lock = asyncio.Lock()

    async def receive(self, project_id: str, spans: Sequence[Span]) -> TraceOutcome:
        """Map, join, hold or emit the spans of one export; answered once what was emitted or held is durable."""
        outcome = TraceOutcome()
        calls, retrievals, unmapped = self._classify(spans, outcome.counts)
        roots = {span.trace_id for span in spans if not span.parent_span_id}
        async with self._lock:
            by_trace = await self._retrievals(project_id, calls, retrievals)
            ready, waiting = [], []
            for call in calls:
                found = by_trace.get(call.span.trace_id, [])
                joined = _join(call.item.value, call.span.start_ns, found)
                if joined or found or call.span.trace_id in roots or not call.span.parent_span_id:
                    ready.append(call.item)
                else:
                    waiting.append(call)
            invalid = await self._hold(project_id, waiting)
            outcome.counts["held"] += len(waiting) - len(invalid)
            outcome.counts["call"] += len(ready)
            items = ready + invalid + unmapped
            if items:
                outcome.add(await self.ingest.ingest_items(project_id, "inference", items, SOURCE))
            with_retrievals = {r.trace_id for r in retrievals}
            complete = set(await asyncio.to_thread(self.held.holding, project_id, roots | with_retrievals))
            if not self.held.exclusive:
                complete |= with_retrievals  # another process may hold calls of these traces
            await self._release(project_id, sorted(complete), by_trace, roots, outcome)
            open_traces = {r.trace_id for r in retrievals} - roots
            await asyncio.to_thread(
                self.held.keep_retrievals, project_id, [r for r in retrievals if r.trace_id in open_traces]
            )
        telemetry.otlp_spans(outcome.counts)
        return outcome

    async def release_expired(self, now: datetime | None = None) -> int:
        """Emit the calls held longer than the hold: with passages kept since, else saying the retrieval never came."""
        cutoff = (now or datetime.now(UTC)) - timedelta(seconds=self.hold_s)
        async with self._lock:
            if await asyncio.to_thread(self.held.idle):
                return 0
            expired = await asyncio.to_thread(self.held.expired, cutoff)
            projects: dict[str, list[HeldCall]] = defaultdict(list)
            for call in expired:
                projects[call.project_id].append(call)
            for project_id, calls in projects.items():
                stored = await asyncio.to_thread(self.held.retrievals, project_id, sorted({c.trace_id for c in calls}))
                by_trace = _by_trace(stored)
                items = []
                for index, call in enumerate(calls):
                    if not _join(call.event, call.start_ns, by_trace.get(call.trace_id, [])):
                        call.event.setdefault("attributes", {})[RETRIEVAL_ATTRIBUTE] = "timed_out"
                    items.append(RawItem(index, None, call.event))
                await self.ingest.ingest_items(project_id, "inference", items, SOURCE)
                await asyncio.to_thread(self.held.release, calls)
        return len(expired)

    def _classify(self, spans: Sequence[Span], counts: Counter[str]) -> tuple[list[_Call], list[Retrieval], list]:
        """Each span's convention and role: calls mapped to events, retrievals to passages, the rest counted."""
        calls: list[_Call] = []
        retrievals: list[Retrieval] = []
        unmapped: list[SpanItem] = []
        for index, span in enumerate(spans):
            if span.error:
                unmapped.append(SpanItem(index, None, error=span.error, span=span))
                counts["unmapped"] += 1
                continue
            found = classify(span)
            if found is None:
                counts["unknown"] += 1
                continue
            convention, role = found
            if role == "context":
                counts["context"] += 1
                continue
            try:
                if role == "retriever":
                    passages = convention.documents(span)
                    retrievals.append(Retrieval(span.trace_id, span.span_id, span.start_ns, span.end_ns, passages))
                    counts["retrieval"] += 1
                else:
                    calls.append(_Call(SpanItem(index, None, to_event(span, convention), span=span), span))
            except Exception as error:  # a span no convention can read is a dead letter, never a 500
                reason = f"{convention.name} {role} span does not map to an inference event: {error}"
                unmapped.append(SpanItem(index, None, error=reason, span=span))
                counts["unmapped"] += 1
        return calls, retrievals, unmapped

    async def _retrievals(
        self, project_id: str, calls: list[_Call], retrievals: list[Retrieval]
    ) -> dict[str, list[Retrieval]]:
        """This export's retrievals with those kept from earlier exports, for every trace with a call."""
        by_trace = _by_trace(retrievals)
        traces = sorted({c.span.trace_id for c in calls if c.span.parent_span_id} - set(by_trace))
        if traces:
            for retrieval in await asyncio.to_thread(self.held.retrievals, project_id, traces):
                if all(r.span_id != retrieval.span_id for r in by_trace[retrieval.trace_id]):
                    by_trace[retrieval.trace_id].append(retrieval)
        return by_trace

    async def _hold(self, project_id: str, waiting: list[_Call]) -> list[SpanItem]:
        """Hold the valid calls; the invalid ones go back to be rejected and dead-lettered now."""
        if not waiting:
            return []
        verdicts = validate([call.item for call in waiting], CONTRACTS["inference"])
        now = datetime.now(UTC)
        keep = [
            HeldCall(project_id, call.span.trace_id, call.span.span_id, call.span.start_ns, call.item.value, now)
            for call, verdict in zip(waiting, verdicts, strict=True)
            if verdict.event is not None
        ]
        await asyncio.to_thread(self.held.hold, keep)
        return [call.item for call, verdict in zip(waiting, verdicts, strict=True) if verdict.event is None]

    async def _release(
        self,
        project_id: str,
        traces: list[str],
        by_trace: dict[str, list[Retrieval]],
        roots: set[str],
        outcome: TraceOutcome,
    ) -> None:
        """Emit held calls of traces that this export completed (a retrieval or the trace's root arrived)."""
        if not traces:
            return
        held = await asyncio.to_thread(self.held.held, project_id, traces)
        missing = sorted({c.trace_id for c in held if c.trace_id not in by_trace})
        for retrieval in await asyncio.to_thread(self.held.retrievals, project_id, missing) if missing else []:
            by_trace[retrieval.trace_id].append(retrieval)
        done = [c for c in held if c.trace_id in roots or by_trace.get(c.trace_id)]
        if not done:
            return
        items = [RawItem(i, None, c.event) for i, c in enumerate(done)]
        for item, call in zip(items, done, strict=True):
            _join(item.value, call.start_ns, by_trace.get(call.trace_id, []))
        await self.ingest.ingest_items(project_id, "inference", items, SOURCE)
        await asyncio.to_thread(self.held.release, done)
        outcome.counts["released"] += len(done)


def _join(event: dict[str, Any], start_ns: int, retrievals: list[Retrieval]) -> bool:
    """Give the event the passages of the retrievals that fed it; False when none did."""
    fed = feeding(start_ns, retrievals)
    if not fed:
        return False
    found, cut = contexts(fed)
    event["contexts"] = found
    attributes = event.setdefault("attributes", {})
    attributes[RETRIEVAL_ATTRIBUTE] = RETRIEVAL_JOINED
    if cut:
        attributes["telltale.contexts_cut"] = cut
    return True


def _by_trace(retrievals: Sequence[Retrieval]) -> defaultdict[str, list[Retrieval]]:
    found: defaultdict[str, list[Retrieval]] = defaultdict(list)
    for retrieval in retrievals:
        found[retrieval.trace_id].append(retrieval)
    return found
