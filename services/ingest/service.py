"""The ingest use case, free of HTTP: split, validate, append, dead-letter, and say what became of each item."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.limits import MAX_EVENT_BYTES
from telltale_server.services.ingest.batch import RawItem, split
from telltale_server.services.ingest.errors import IngestError
from telltale_server.services.ingest.log import Event, EventLog, Kind
from telltale_server.services.ingest.validate import Verdict, validate, whole_batch
from telltale_server.streams import telemetry
from telltale_server.streams.deadletter import DeadLetter

CONTRACTS: dict[Kind, type[InferenceEvent] | type[FeedbackEvent]] = {
    "inference": InferenceEvent,
    "feedback": FeedbackEvent,
}
BATCHES: dict[Kind, TypeAdapter[list[Event]]] = {
    kind: TypeAdapter(list[model])  # type: ignore[valid-type]  # a TypeAdapter per contract class, built from a variable: valid at run time, not a static type
    for kind, model in CONTRACTS.items()
}
ACCEPTED, DUPLICATE = "accepted", "duplicate"


class ItemError(BaseModel):
    field: str = Field(description="Dotted path of the offending field; empty for the whole item.")
    reason: str


class ItemResult(BaseModel):
    index: int = Field(description="Position of the item in the batch, from 0.")
    event_id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    errors: list[ItemError] = Field(default_factory=list)


class IngestResult(BaseModel):
    """Per-item outcome of one batch; `duplicate` means this event_id was already stored and nothing changed."""

    accepted: int
    duplicates: int
    rejected: int
    items: list[ItemResult]


@dataclass(frozen=True)
class IngestOutcome:
    """What the service returns: an IngestResult as plain data, since building 1,000 models per batch shows up
    in ingest profiles; `IngestResult` stays the documented shape of its JSON."""

    accepted: int
    duplicates: int
    rejected: int
    items: list[dict[str, Any]]

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected, "items": self.items}
        )


class IngestService:
    """Accepts what is valid, keeps what is not as dead letters, and loses nothing in between."""

    def __init__(self, log: EventLog, max_batch_items: int) -> None:
        self.log = log
        self.max_batch_items = max_batch_items

    async def ingest(self, project_id: str, kind: Kind, body: bytes, content_type: str | None) -> IngestOutcome:
        """Ingest one batch; raises IngestError when the body as a whole is refused (after keeping it).

        A JSON array of valid events is validated in one compiled call on its bytes and answered without a
        per-item object; a batch with any bad item goes item by item, so each gets its reasons and dead letter."""
        source = f"http:/v1/{kind}"
        events = whole_batch(body, content_type, BATCHES[kind], self.max_batch_items)
        if events is not None:
            return await self.accept(project_id, kind, events)
        try:
            items = split(body, content_type, self.max_batch_items)
        except IngestError as error:
            await self.refuse(project_id, source, kind, body, error)
            raise
        return await self.ingest_items(project_id, kind, items, source)

    async def accept(
        self, project_id: str, kind: Kind, events: list[Event], indices: Sequence[int] | None = None
    ) -> IngestOutcome:
        """Append a batch whose every event is valid; the answer says which were new (at the items' indices)."""
        written = await self.log.append(project_id, kind, events)
        items = [
            {"index": index, "event_id": str(event.event_id), "status": ACCEPTED if new else DUPLICATE, "errors": []}
            for index, event, new in zip(indices or range(len(events)), events, written, strict=True)
        ]
        accepted = sum(written)
        telemetry.ingested(kind, accepted, len(events) - accepted, 0)
        return IngestOutcome(accepted, len(events) - accepted, 0, items)

    async def refuse(self, project_id: str, source: str, kind: Kind, body: bytes, error: IngestError) -> None:
        """Keep a refused body as a dead letter when it was readable (as sent, when it did not decode)."""
        if error.keep_body:
            raw = error.body if error.body is not None else body
            await self.log.dead_letters([DeadLetter(project_id, source, kind, error.message, raw)])

    async def ingest_items(self, project_id: str, kind: Kind, items: list[RawItem], source: str) -> IngestOutcome:
        """Validate items already split from a request (JSON, NDJSON or OTLP spans), append, dead-letter.

        Items that are all readable values are first validated as one batch in compiled code."""
        if all(item.error is None and (item.raw is None or len(item.raw) <= MAX_EVENT_BYTES) for item in items):
            try:
                events = BATCHES[kind].validate_python([item.value for item in items])
            except ValidationError:
                pass
            else:
                return await self.accept(project_id, kind, events, [item.index for item in items])
        verdicts = validate(items, CONTRACTS[kind])
        valid = [verdict for verdict in verdicts if verdict.event is not None]
        events = [verdict.event for verdict in valid if verdict.event is not None]
        written = await self.log.append(project_id, kind, events) if events else []
        fresh = {verdict.item.index: is_new for verdict, is_new in zip(valid, written, strict=True)}
        await self.log.dead_letters(
            [_dead_letter(project_id, source, kind, verdict) for verdict in verdicts if verdict.event is None]
        )
        results = [_result(verdict, fresh.get(verdict.item.index)) for verdict in verdicts]
        counts = Counter(result["status"] for result in results)
        telemetry.ingested(kind, counts["accepted"], counts["duplicate"], counts["rejected"])
        return IngestOutcome(counts["accepted"], counts["duplicate"], counts["rejected"], results)


def _result(verdict: Verdict, is_new: bool | None) -> dict[str, Any]:
    """One item's entry of the IngestResult JSON."""
    if verdict.event is None:
        errors = [{"field": error.field, "reason": error.reason} for error in verdict.errors]
        return {"index": verdict.item.index, "event_id": verdict.event_id, "status": "rejected", "errors": errors}
    status = "accepted" if is_new else "duplicate"
    return {"index": verdict.item.index, "event_id": verdict.event_id, "status": status, "errors": []}


def _dead_letter(project_id: str, source: str, kind: Kind, verdict: Verdict) -> DeadLetter:
    first = verdict.errors[0]
    reason = f"{first.field}: {first.reason}" if first.field else first.reason
    return DeadLetter(
        project_id=project_id,
        source=source,
        kind=kind,
        reason=reason,
        raw=verdict.item.original(),
        item_index=verdict.item.index,
        event_id=verdict.event_id or "",
        errors=verdict.errors,
    )
